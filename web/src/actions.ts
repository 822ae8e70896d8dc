// Like, follow and share: the count changes at once (optimistic) and the server's answer
// confirms it, or puts it back with a message.
import { api, ApiError } from "./api";
import { toast } from "./dom";
import { navigate } from "./router";
import { currentUser } from "./session";
import type { Video } from "./types";

/** Sends a visitor to log in first, and back here afterwards. */
export function requireLogin(why: string): boolean {
  if (currentUser()) return true;
  toast(why);
  navigate(`/login?next=${encodeURIComponent(location.pathname)}`);
  return false;
}

async function attempt(send: () => Promise<unknown>, undo: () => void): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (err) {
    undo();
    toast(err instanceof ApiError ? err.message : "Something went wrong. Try again.");
    return false;
  }
}

export async function toggleLike(video: Video, render: () => void): Promise<void> {
  if (!requireLogin("Log in to like videos.")) return;
  const liked = !video.liked_by_me;
  const apply = (on: boolean) => {
    video.liked_by_me = on;
    video.counts.likes = Math.max(0, video.counts.likes + (on ? 1 : -1));
    render();
  };
  apply(liked);
  await attempt(
    () => api(liked ? "PUT" : "DELETE", `/videos/${video.id}/like`),
    () => apply(!liked),
  );
}

export async function setFollow(
  username: string,
  follow: boolean,
  render: (following: boolean) => void,
): Promise<boolean> {
  if (!requireLogin("Log in to follow creators.")) return false;
  render(follow);
  return attempt(
    () => api(follow ? "PUT" : "DELETE", `/users/${encodeURIComponent(username)}/follow`),
    () => render(!follow),
  );
}

export async function share(video: Video, render: () => void): Promise<void> {
  try {
    const { url } = await api<{ url: string }>("POST", `/videos/${video.id}/shares`, {
      json: { channel: "link" },
    });
    video.counts.shares += 1;
    render();
    if (navigator.share) {
      await navigator.share({ url, text: video.caption }).catch(() => undefined);
    } else {
      await navigator.clipboard?.writeText(url).catch(() => undefined);
      toast("Link copied");
    }
  } catch (err) {
    toast(err instanceof ApiError ? err.message : "Could not share this video.");
  }
}

// The feeds: For You (home), Following, and a shared video followed by For You.
import { api, ApiError } from "../api";
import { h } from "../dom";
import { following, forYou, mountFeed, startingWith } from "../feed";
import { currentUser } from "../session";
import type { Video } from "../types";

function emptyFeed(): Node {
  return h(
    "div",
    { class: "empty-feed" },
    h("p", {}, "Nothing to watch yet."),
    h("a", { class: "primary button", href: "/upload" }, "Post the first video"),
  );
}

export function forYouView(params: Record<string, string>, outlet: HTMLElement): () => void {
  const interests = (params.interests ?? "").split(",").filter(Boolean);
  return mountFeed(outlet, forYou(interests), "For You", emptyFeed());
}

export function followingView(_params: Record<string, string>, outlet: HTMLElement): (() => void) | void {
  if (!currentUser()) {
    outlet.append(h("div", { class: "page narrow" }, h("h1", {}, "Following"), h("p", {}, "Log in to see the newest videos of the accounts you follow."), h("a", { class: "primary button", href: "/login?next=/following" }, "Log in")));
    return;
  }
  const empty = h("div", { class: "empty-feed" }, h("p", {}, "Follow creators to see their new videos here."), h("a", { class: "primary button", href: "/" }, "Find creators"));
  return mountFeed(outlet, following(), "Following", empty);
}

export function videoView(params: Record<string, string>, outlet: HTMLElement): () => void {
  let stop: (() => void) | null = null;
  let gone = false;
  api<Video>("GET", `/videos/${encodeURIComponent(params.id)}`)
    .then((video) => {
      if (!gone) stop = mountFeed(outlet, startingWith(video, forYou()), "Video", emptyFeed());
    })
    .catch((err) => {
      if (gone) return;
      const why = err instanceof ApiError && err.status === 404 ? "This video is not available." : err instanceof ApiError ? err.message : "Could not load this video.";
      outlet.append(h("div", { class: "page narrow" }, h("h1", {}, "Video"), h("p", {}, why), h("a", { href: "/" }, "Back to For You")));
    });
  return () => {
    gone = true;
    stop?.();
  };
}

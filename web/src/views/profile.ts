// A creator's page: who they are, follow, and their videos.
import { setFollow } from "../actions";
import { api, ApiError } from "../api";
import { compact, h, replace } from "../dom";
import { currentUser } from "../session";
import type { Page, UserPublic, Video } from "../types";
import { paged, tile } from "./grid";

function stat(n: number, label: string): HTMLElement {
  return h("li", {}, h("strong", {}, compact(n)), h("span", {}, label));
}

export function profileView(params: Record<string, string>, outlet: HTMLElement): void {
  const page = h("div", { class: "page" }, h("p", { class: "muted", role: "status" }, "Loading…"));
  outlet.append(page);
  const name = params.username;
  void (async () => {
    let user: UserPublic;
    try {
      user = await api<UserPublic>("GET", `/users/${encodeURIComponent(name)}`);
    } catch (err) {
      replace(page, h("h1", {}, `@${name}`), h("p", { class: "error" }, err instanceof ApiError ? err.message : "Could not load this profile."));
      return;
    }
    const me = currentUser();
    const mine = me?.id === user.id;
    const followers = stat(user.follower_count, "Followers");
    let following = Boolean(user.is_following);
    const button = h("button", { type: "button", class: "primary" });
    const render = (on: boolean) => {
      button.textContent = on ? "Following" : "Follow";
      button.setAttribute("aria-pressed", String(on));
      button.classList.toggle("secondary", on);
    };
    render(following);
    button.addEventListener("click", async () => {
      if (await setFollow(user.username, !following, render)) {
        following = !following;
        user.follower_count += following ? 1 : -1;
        followers.replaceWith(stat(user.follower_count, "Followers"));
      }
    });
    const videos = h("section", { "aria-label": "Videos" });
    replace(
      page,
      h(
        "header",
        { class: "profile-head" },
        h("div", { class: "avatar", "aria-hidden": "true" }, (user.display_name || user.username).slice(0, 1).toUpperCase()),
        h("h1", {}, user.display_name || user.username),
        h("p", { class: "muted" }, `@${user.username}`),
        h("ul", { class: "stats" }, stat(user.following_count, "Following"), followers, stat(user.like_count, "Likes")),
        user.bio ? h("p", { class: "bio" }, user.bio) : null,
        mine ? h("a", { class: "secondary button", href: "/settings" }, "Edit profile") : button,
      ),
      h("h2", { class: "visually-hidden" }, "Videos"),
      videos,
    );
    paged<Video>(
      videos,
      (cursor) => api<Page<Video>>("GET", `/users/${encodeURIComponent(user.username)}/videos`, { query: { limit: 24, cursor } }),
      tile,
      mine ? "You have not posted yet. Upload your first video." : "No videos yet.",
    );
  })();
}

// Search videos, people and hashtags; the query lives in the URL (?q=&type=) so results can
// be linked and the back button returns to them.
import { api } from "../api";
import { compact, h } from "../dom";
import { navigate } from "../router";
import type { Hashtag, Page, UserPublic, Video } from "../types";
import { paged, tile } from "./grid";

const TYPES = [
  ["videos", "Videos"],
  ["users", "People"],
  ["hashtags", "Hashtags"],
] as const;
type Kind = (typeof TYPES)[number][0];

export function userRow(user: UserPublic): HTMLElement {
  return h(
    "a",
    { class: "row", href: `/@${user.username}` },
    h("span", { class: "avatar small", "aria-hidden": "true" }, (user.display_name || user.username).slice(0, 1).toUpperCase()),
    h("span", {}, h("strong", {}, user.display_name || user.username), h("span", { class: "muted" }, ` @${user.username}`)),
    h("span", { class: "muted end" }, `${compact(user.follower_count)} followers`),
  );
}

export function hashtagRow(tag: Hashtag): HTMLElement {
  return h(
    "a",
    { class: "row", href: `/tag/${encodeURIComponent(tag.tag)}` },
    h("span", { class: "avatar small", "aria-hidden": "true" }, "#"),
    h("strong", {}, `#${tag.tag}`),
    h("span", { class: "muted end" }, `${compact(tag.video_count)} videos`),
  );
}

export function searchView(params: Record<string, string>, outlet: HTMLElement): void {
  const q = params.q ?? "";
  const kind: Kind = TYPES.some(([k]) => k === params.type) ? (params.type as Kind) : "videos";
  const input = h("input", {
    type: "search",
    id: "search-q",
    name: "q",
    value: q,
    maxlength: 100,
    placeholder: "Search videos, people, #hashtags",
    "aria-label": "Search",
    autocomplete: "off",
  });
  const go = (query: string, type: Kind) =>
    navigate(`/search?q=${encodeURIComponent(query)}&type=${type}`);
  const form = h(
    "form",
    {
      role: "search",
      class: "search-form",
      onsubmit: (event: Event) => {
        event.preventDefault();
        const query = input.value.trim();
        if (query.startsWith("#") && !query.includes(" ")) navigate(`/tag/${encodeURIComponent(query.slice(1).toLowerCase())}`);
        else if (query) go(query, kind);
      },
    },
    input,
    h("button", { type: "submit", class: "primary" }, "Search"),
  );
  const tabs = h(
    "nav",
    { class: "tabs", "aria-label": "Result type" },
    TYPES.map(([k, label]) =>
      h("a", { href: `/search?q=${encodeURIComponent(q)}&type=${k}`, "aria-current": k === kind ? "page" : null }, label),
    ),
  );
  const results = h("section", { "aria-label": "Results", "data-layout": kind === "videos" ? "grid" : "list" });
  const page = h("div", { class: "page" }, h("h1", { class: "visually-hidden" }, "Search"), form);
  outlet.append(page);
  if (!q) {
    page.append(h("h2", {}, "Trending hashtags"));
    const trending = h("section", { "data-layout": "list" });
    page.append(trending);
    paged<Hashtag>(trending, () => api<Page<Hashtag>>("GET", "/trending/hashtags", { query: { limit: 20 } }), hashtagRow, "Nothing is trending yet.");
    input.focus();
    return;
  }
  page.append(tabs, results);
  const load = (cursor: string | null) =>
    api<Page<never>>("GET", "/search", { query: { q, type: kind, limit: 24, cursor } });
  if (kind === "videos") paged<Video>(results, load, tile, `No videos match “${q}”.`);
  else if (kind === "users") paged<UserPublic>(results, load, userRow, `No one matches “${q}”.`);
  else paged<Hashtag>(results, load, hashtagRow, `No hashtags match “${q}”.`);
}

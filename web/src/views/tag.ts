// A hashtag's page: how many videos carry it, and the videos.
import { api, ApiError } from "../api";
import { compact, h } from "../dom";
import type { Hashtag, Page, Video } from "../types";
import { paged, tile } from "./grid";

export function tagView(params: Record<string, string>, outlet: HTMLElement): void {
  const tag = params.tag.toLowerCase();
  const count = h("p", { class: "muted" });
  const videos = h("section", { "aria-label": `Videos tagged #${tag}` });
  outlet.append(h("div", { class: "page" }, h("header", { class: "tag-head" }, h("h1", {}, `#${tag}`), count), videos));
  api<Hashtag>("GET", `/hashtags/${encodeURIComponent(tag)}`)
    .then((t) => (count.textContent = `${compact(t.video_count)} videos`))
    .catch((err) => (count.textContent = err instanceof ApiError && err.status === 404 ? "No videos yet." : ""));
  paged<Video>(
    videos,
    (cursor) => api<Page<Video>>("GET", `/hashtags/${encodeURIComponent(tag)}/videos`, { query: { limit: 24, cursor } }),
    tile,
    `No videos with #${tag} yet.`,
  );
}

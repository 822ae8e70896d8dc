// A grid of video tiles with "load more", for profiles, hashtags and search results.
import { ApiError } from "../api";
import { compact, h, replace } from "../dom";
import type { Page, Video } from "../types";

export function tile(video: Video): HTMLElement {
  const still = video.playback?.thumbnail ?? video.playback?.poster;
  const status = video.status === "ready" ? null : h("span", { class: "badge" }, video.status);
  return h(
    "a",
    { class: "tile", href: `/v/${video.id}`, "aria-label": `${video.caption || "Video"} by @${video.author.username}` },
    still
      ? h("img", { src: still, alt: "", loading: "lazy", width: 9, height: 16 })
      : h("div", { class: "tile-blank" }),
    status,
    h("span", { class: "tile-views" }, `▶ ${compact(video.counts.views)}`),
  );
}

/** Fills `into` page by page from `load(cursor)`; `render` draws one item. */
export function paged<T>(
  into: HTMLElement,
  load: (cursor: string | null) => Promise<Page<T>>,
  render: (item: T) => Node,
  empty: string,
): void {
  const more = h("button", { type: "button", class: "secondary wide", hidden: true }, "Load more");
  const status = h("p", { class: "muted", role: "status" });
  const list = h("div", { class: into.dataset.layout === "list" ? "list" : "grid" });
  let cursor: string | null = null;
  const next = async () => {
    more.hidden = true;
    status.textContent = "Loading…";
    try {
      const page = await load(cursor);
      for (const item of page.items) list.append(render(item));
      cursor = page.next_cursor;
      more.hidden = cursor === null;
      status.textContent = list.children.length ? "" : empty;
    } catch (err) {
      replace(
        status,
        err instanceof ApiError ? err.message : "Could not load this.",
        " ",
        h("button", { type: "button", class: "link-button", onclick: () => void next() }, "Retry"),
      );
    }
  };
  more.addEventListener("click", () => void next());
  into.append(list, status, more);
  void next();
}

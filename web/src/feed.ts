// The vertical swipe feed: full-screen slots on a scroll-snap track (touch, wheel and
// trackpad swipe natively; arrow keys and j/k move one video), the one on screen plays, the
// next ones load ahead, and the next page is fetched well before the end.
import { api, ApiError } from "./api";
import { h, replace } from "./dom";
import { icon } from "./icons";
import { warm } from "./player";
import { Slot, sound } from "./slot";
import type { FeedItem, FeedPage, Page, Video } from "./types";

const PAGE_SIZE = 10;
const FETCH_AHEAD = 4; // fetch the next page when this few are left
const LOAD_AHEAD = 2; // slots after the current one that load before they are on screen
const KEEP_BEHIND = 2; // slots before it that keep their buffers (for a swipe back)

export interface Batch {
  items: FeedItem[];
  requestId?: string;
  prefetch?: string[][];
  done?: boolean;
}

export type Source = () => Promise<Batch>;

/** Data saver (settings) turns off loading ahead: only the video on screen loads. */
export function preloading(): boolean {
  return localStorage.getItem("foryou.preload") !== "off";
}

export function forYou(interests: string[] = []): Source {
  let first = true;
  return async () => {
    const page = await api<FeedPage>("GET", "/feed", {
      query: { limit: PAGE_SIZE, interests: first ? interests : [] },
    });
    first = false;
    return {
      items: page.items,
      requestId: page.request_id,
      prefetch: page.prefetch.map((p) => p.urls),
    };
  };
}

export function following(): Source {
  let cursor: string | null = null;
  return async () => {
    const page: Page<Video> = await api<Page<Video>>("GET", "/feed/following", {
      query: { limit: PAGE_SIZE, cursor },
    });
    cursor = page.next_cursor;
    const items = page.items.map((video) => ({ video, reason: { kind: "following" } }));
    return { items, done: cursor === null };
  };
}

/** A shared link: that video first, then For You. */
export function startingWith(video: Video, then: Source): Source {
  let first = true;
  return async () => {
    if (!first) return then();
    first = false;
    return { items: [{ video, reason: { kind: "shared", detail: "Shared with you" } }] };
  };
}

export function mountFeed(outlet: HTMLElement, source: Source, label: string, empty: Node): () => void {
  const track = h("section", { class: "feed", role: "feed", "aria-label": label, "aria-busy": "true", tabindex: "-1" });
  const end = h("div", { class: "feed-end", role: "status" });
  const unmute = h("button", { type: "button", class: "unmute", "aria-pressed": "false" });
  const slots: Slot[] = [];
  const seen = new Set<string>();
  let current = -1;
  let loading = false;
  let done = false;

  const renderSound = () => {
    replace(unmute, icon(sound.on ? "soundOn" : "soundOff", 18), sound.on ? "Sound on" : "Tap for sound");
    unmute.setAttribute("aria-pressed", String(sound.on));
    unmute.setAttribute("aria-label", sound.on ? "Mute" : "Unmute");
    for (const s of slots) s.setMuted(!sound.on);
  };
  unmute.addEventListener("click", () => {
    sound.on = !sound.on;
    renderSound();
    const slot = slots[current];
    if (slot) void slot.play();
  });

  let skipping = false; // the video on screen failed: move on as soon as there is a next one
  const skip = () => {
    skipping = current + 1 >= slots.length;
    if (!skipping) go(current + 1);
  };
  const events = {
    failed: (slot: Slot) => {
      if (slots[current] === slot) window.setTimeout(skip, 900);
    },
    soundChanged: renderSound,
  };

  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (entry.isIntersecting) setCurrent(slots.findIndex((s) => s.el === entry.target));
      }
    },
    { root: track, threshold: 0.6 },
  );

  function setCurrent(index: number): void {
    if (index < 0 || index === current) return;
    slots[current]?.deactivate();
    current = index;
    slots.forEach((slot, i) => {
      if (i === index) return;
      const ahead = preloading() ? LOAD_AHEAD : 0;
      if (i > index && i <= index + ahead) slot.preload();
      else if (i < index - KEEP_BEHIND || i > index + ahead + 1) slot.release();
    });
    slots[index].activate();
    if (slots.length - index <= FETCH_AHEAD) void more();
  }

  function go(index: number): void {
    const slot = slots[Math.max(0, Math.min(index, slots.length - 1))];
    slot?.el.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  async function more(): Promise<void> {
    if (loading || done) return;
    loading = true;
    end.replaceChildren(h("span", { class: "spinner", "aria-label": "Loading more videos" }));
    try {
      const batch = await source();
      done = Boolean(batch.done) || batch.items.length === 0;
      if (preloading()) batch.prefetch?.forEach(warm);
      // A browser keeps snapping to the element it last snapped to: when that is the end card,
      // the new videos go in above it unseen unless the track moves to the first of them.
      const atEnd = track.scrollTop + track.clientHeight >= track.scrollHeight - 2;
      const firstNew = slots.length;
      for (const item of batch.items) {
        if (seen.has(item.video.id)) continue;
        seen.add(item.video.id);
        const slot = new Slot(item, slots.length, batch.requestId, events);
        slots.push(slot);
        track.insertBefore(slot.el, end);
        observer.observe(slot.el);
        if (preloading() && slot.position > current && slot.position <= current + LOAD_AHEAD) slot.preload();
      }
      end.replaceChildren();
      if (atEnd && slots[firstNew]) track.scrollTo({ top: slots[firstNew].el.offsetTop });
      if (skipping) skip();
      if (slots.length === 0) end.append(empty);
      else if (done) end.append(h("p", { class: "muted" }, "You're all caught up."));
    } catch (err) {
      const why = err instanceof ApiError ? err.message : "Could not load videos.";
      replace(
        end,
        h("p", {}, why),
        h("button", { type: "button", class: "primary", onclick: () => void more() }, "Retry"),
      );
    } finally {
      loading = false;
      track.setAttribute("aria-busy", "false");
    }
  }

  const onKey = (event: KeyboardEvent) => {
    const target = event.target as HTMLElement;
    if (target.closest("input, textarea, select, dialog, [contenteditable]")) return;
    const slot = slots[current];
    if (event.key === "ArrowDown" || event.key === "j" || event.key === "PageDown") go(current + 1);
    else if (event.key === "ArrowUp" || event.key === "k" || event.key === "PageUp") go(current - 1);
    else if (event.key === " " && slot && !target.closest("button, a")) slot.togglePause();
    else if (event.key === "m") unmute.click();
    else return;
    event.preventDefault();
  };
  document.addEventListener("keydown", onKey);

  renderSound();
  track.append(end);
  outlet.append(h("div", { class: "feed-wrap" }, track, unmute));
  track.focus({ preventScroll: true });
  void more();

  return () => {
    document.removeEventListener("keydown", onKey);
    observer.disconnect();
    slots[current]?.deactivate();
    for (const slot of slots) slot.release();
  };
}

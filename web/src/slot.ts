// One video of the feed: the <video>, its player, the buttons beside it, and the watch
// signals it sends (an impression when it comes on screen, a watch when it leaves).
import { setFollow, share, toggleLike } from "./actions";
import { openComments } from "./comments";
import { compact, h, replace, richText, toast } from "./dom";
import { icon } from "./icons";
import { Player } from "./player";
import { currentUser } from "./session";
import { record } from "./signals";
import type { FeedItem } from "./types";

const DOUBLE_TAP_MS = 280;
const SEEK_JUMP_S = 1.5; // a bigger jump in currentTime is a seek or a loop, not watching

export const sound = { on: false };

export interface SlotEvents {
  failed(slot: Slot): void;
  soundChanged(): void;
}

export class Slot {
  readonly el: HTMLElement;
  readonly video: HTMLVideoElement;
  readonly player: Player | null;
  private readonly likeButton: HTMLButtonElement;
  private readonly commentButton: HTMLButtonElement;
  private readonly shareButton: HTMLButtonElement;
  private readonly bar: HTMLElement;
  private readonly notice: HTMLElement;
  private active = false;
  private impressed = false;
  private watchedMs = 0;
  private replays = 0;
  private lastTime = 0;
  private tapTimer: number | undefined;
  private frame = 0;
  failed = false;

  constructor(
    readonly item: FeedItem,
    readonly position: number,
    readonly requestId: string | undefined,
    private readonly events: SlotEvents,
  ) {
    const v = item.video;
    this.video = h("video", {
      class: "video",
      playsinline: true,
      loop: true,
      muted: true,
      preload: "auto",
      poster: v.playback?.poster ?? undefined,
      "aria-label": `Video by @${v.author.username}`,
    });
    this.video.muted = true; // the attribute alone does not mute a created element
    this.player = v.playback
      ? new Player(this.video, v.playback.hls, (why) => this.fail(why))
      : null;
    this.bar = h("div", { class: "bar" });
    this.notice = h("div", { class: "notice", role: "status" });
    this.likeButton = h("button", { type: "button", class: "action like", onclick: () => this.like() });
    this.commentButton = h("button", {
      type: "button",
      class: "action comment",
      onclick: () => openComments(v, () => this.renderCounts()),
    });
    this.shareButton = h("button", {
      type: "button",
      class: "action share",
      onclick: () => void share(v, () => this.renderCounts()),
    });
    const tapLayer = h("div", { class: "tap-layer", "aria-hidden": "true" });
    tapLayer.addEventListener("click", (event) => this.tap(event as MouseEvent));
    this.el = h(
      "article",
      {
        class: "slot",
        "aria-posinset": position + 1,
        "aria-setsize": -1,
        "aria-label": `@${v.author.username}: ${v.caption || "video"}`,
        "data-video-id": v.id,
      },
      this.video,
      tapLayer,
      h("div", { class: "progress", "aria-hidden": "true" }, this.bar),
      h(
        "div",
        { class: "meta" },
        h("a", { class: "author", href: `/@${v.author.username}` }, `@${v.author.username}`),
        h("p", { class: "caption" }, richText(v.caption)),
        h("span", { class: "reason", title: item.reason.detail ?? "" }, reasonLabel(item)),
      ),
      h("div", { class: "actions" }, this.followButton(), this.likeButton, this.commentButton, this.shareButton),
      this.notice,
    );
    this.video.addEventListener("timeupdate", () => this.track());
    this.video.addEventListener("waiting", () => this.el.classList.add("buffering"));
    this.video.addEventListener("playing", () => this.el.classList.remove("buffering"));
    this.renderCounts();
    if (!this.player) this.fail(v.status_detail || "this video is not playable yet");
  }

  private followButton(): HTMLElement | null {
    const author = this.item.video.author;
    if (currentUser()?.id === author.id) return null;
    const button = h("button", { type: "button", class: "action follow" });
    const render = (following: boolean) => {
      button.textContent = following ? "✓" : "+";
      button.setAttribute("aria-pressed", String(following));
      button.setAttribute("aria-label", following ? `Unfollow @${author.username}` : `Follow @${author.username}`);
    };
    let following = false;
    render(following);
    button.addEventListener("click", async () => {
      if (await setFollow(author.username, !following, render)) following = !following;
    });
    return button;
  }

  renderCounts(): void {
    const { counts, liked_by_me } = this.item.video;
    const liked = Boolean(liked_by_me);
    this.likeButton.classList.toggle("on", liked);
    this.likeButton.setAttribute("aria-pressed", String(liked));
    this.likeButton.setAttribute("aria-label", `${liked ? "Unlike" : "Like"} (${counts.likes} likes)`);
    replace(this.likeButton, icon("heart", 32), h("span", { class: "count" }, compact(counts.likes)));
    this.commentButton.setAttribute("aria-label", `Comments (${counts.comments})`);
    replace(this.commentButton, icon("comment", 30), h("span", { class: "count" }, compact(counts.comments)));
    this.shareButton.setAttribute("aria-label", `Share (${counts.shares} shares)`);
    replace(this.shareButton, icon("share", 30), h("span", { class: "count" }, compact(counts.shares)));
  }

  private like(): void {
    void toggleLike(this.item.video, () => this.renderCounts());
  }

  /** One tap pauses or plays; a second one soon after likes, with a heart where it landed. */
  private tap(event: MouseEvent): void {
    if (this.tapTimer !== undefined) {
      window.clearTimeout(this.tapTimer);
      this.tapTimer = undefined;
      if (!this.item.video.liked_by_me) this.like();
      this.heart(event);
      return;
    }
    this.tapTimer = window.setTimeout(() => {
      this.tapTimer = undefined;
      this.togglePause();
    }, DOUBLE_TAP_MS);
  }

  togglePause(): void {
    if (this.video.paused) {
      void this.play();
      this.el.classList.remove("paused");
    } else {
      this.video.pause();
      this.el.classList.add("paused");
    }
  }

  private heart(event: MouseEvent): void {
    const rect = this.el.getBoundingClientRect();
    const heart = h("span", { class: "burst", "aria-hidden": "true" }, icon("heart", 96));
    heart.style.left = `${event.clientX - rect.left}px`;
    heart.style.top = `${event.clientY - rect.top}px`;
    this.el.append(heart);
    heart.addEventListener("animationend", () => heart.remove());
  }

  /** Within reach of the screen: load (and buffer a little) before it is swiped to. */
  preload(): void {
    if (!this.failed) this.player?.attach(this.active);
  }

  release(): void {
    this.player?.detach();
  }

  activate(): void {
    if (this.active) return;
    this.active = true;
    this.el.classList.add("active");
    if (this.failed) return this.events.failed(this);
    if (!this.impressed) {
      this.impressed = true;
      record({ type: "impression", video_id: this.item.video.id, request_id: this.requestId, position: this.position });
    }
    this.player?.attach(true);
    this.video.currentTime = 0;
    this.lastTime = 0;
    void this.play();
    const step = () => {
      const d = this.video.duration;
      if (d > 0) this.bar.style.transform = `scaleX(${this.video.currentTime / d})`;
      this.frame = requestAnimationFrame(step);
    };
    this.frame = requestAnimationFrame(step);
  }

  deactivate(): void {
    if (!this.active) return;
    this.active = false;
    this.el.classList.remove("active", "paused");
    cancelAnimationFrame(this.frame);
    this.video.pause();
    this.player?.setActive(false);
    this.sendWatch();
  }

  async play(): Promise<void> {
    this.video.muted = !sound.on;
    try {
      await this.video.play();
    } catch {
      // A browser that refuses sound without a gesture still plays muted.
      if (!this.video.muted) {
        this.video.muted = true;
        sound.on = false;
        this.events.soundChanged();
        await this.video.play().catch(() => undefined);
      }
    }
  }

  setMuted(muted: boolean): void {
    this.video.muted = muted;
  }

  private track(): void {
    const t = this.video.currentTime;
    const delta = t - this.lastTime;
    const d = this.video.duration;
    if (delta < 0 && d > 0 && this.lastTime > d - SEEK_JUMP_S && t < SEEK_JUMP_S) this.replays += 1;
    if (delta > 0 && delta < SEEK_JUMP_S && this.active) this.watchedMs += delta * 1000;
    this.lastTime = t;
  }

  private sendWatch(): void {
    if (this.watchedMs < 1) return;
    const durationMs = Math.round((this.video.duration || 0) * 1000) || this.item.video.duration_ms || 0;
    const completed = this.replays > 0 || (durationMs > 0 && this.watchedMs >= durationMs * 0.9);
    record({
      type: "watch",
      video_id: this.item.video.id,
      request_id: this.requestId,
      watched_ms: Math.round(this.watchedMs),
      duration_ms: durationMs,
      completed,
      replays: this.replays,
      position: this.position,
    });
    this.watchedMs = 0;
    this.replays = 0;
  }

  /** Offline, it offers a retry (and retries once back online); otherwise it skips. */
  private fail(why: string): void {
    if (!navigator.onLine) {
      replace(
        this.notice,
        h("p", {}, "You're offline."),
        h("button", { type: "button", class: "primary", onclick: () => this.retry() }, "Retry"),
      );
      this.el.classList.add("noticed");
      window.addEventListener("online", () => this.retry(), { once: true });
      return;
    }
    this.failed = true;
    this.release();
    replace(this.notice, h("p", {}, `Skipped: ${why}.`));
    this.el.classList.add("noticed");
    if (this.active) {
      toast(`Skipped a video: ${why}`);
      this.events.failed(this);
    }
  }

  retry(): void {
    this.el.classList.remove("noticed");
    this.notice.replaceChildren();
    this.player?.retry();
    if (this.active) void this.play();
  }
}

function reasonLabel(item: FeedItem): string {
  const labels: Record<string, string> = {
    following: "From an account you follow",
    similar: "Like videos you watched",
    trending: "Trending",
    explore: "New creator",
    fresh: "New",
    popular: "Popular",
  };
  return item.reason.detail || labels[item.reason.kind] || item.reason.kind;
}

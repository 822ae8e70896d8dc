// HLS playback for one <video>: hls.js where Media Source Extensions exist, the browser's
// own HLS elsewhere (Safari on iOS). Starts on the lowest rung so the first frame comes fast,
// and lets adaptive bitrate climb from there.
import Hls from "hls.js/light"; // no subtitles, alternate audio or DRM: the ladder has none

const PRELOAD_BUFFER_S = 3; // what a slot buffers before it is on screen
const PLAYING_BUFFER_S = 20;

export class Player {
  private hls: Hls | null = null;
  private recovered = false;

  constructor(
    readonly video: HTMLVideoElement,
    private readonly src: string,
    private readonly onFail: (why: string) => void,
  ) {}

  get attached(): boolean {
    return this.hls !== null || this.video.src !== "";
  }

  /** Starts loading; `active` lets it buffer ahead as a playing video does. */
  attach(active: boolean): void {
    if (this.attached) return this.setActive(active);
    if (!Hls.isSupported()) {
      this.video.src = this.src; // native HLS
      this.video.addEventListener("error", () => this.onFail("this video could not be played"), {
        once: true,
      });
      return;
    }
    const hls = new Hls({
      startLevel: 0,
      capLevelToPlayerSize: true,
      maxBufferLength: active ? PLAYING_BUFFER_S : PRELOAD_BUFFER_S,
      backBufferLength: 10,
    });
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !this.recovered) {
        this.recovered = true;
        hls.recoverMediaError();
      } else {
        const network = data.type === Hls.ErrorTypes.NETWORK_ERROR;
        this.onFail(network ? "this video could not be loaded" : "this video could not be played");
      }
    });
    hls.loadSource(this.src);
    hls.attachMedia(this.video);
    this.hls = hls;
  }

  setActive(active: boolean): void {
    if (this.hls) this.hls.config.maxBufferLength = active ? PLAYING_BUFFER_S : PRELOAD_BUFFER_S;
  }

  /** Loads again after a network failure (the retry button). */
  retry(): void {
    this.detach();
    this.recovered = false;
    this.attach(true);
  }

  /** Frees the decoder and buffers of a slot far from the screen. */
  detach(): void {
    this.hls?.destroy();
    this.hls = null;
    if (this.video.getAttribute("src")) {
      this.video.removeAttribute("src");
      this.video.load();
    }
  }
}

const warmed = new Set<string>();

/** Fetches the feed's prefetch hints (master, start rung, init, first segment) into the HTTP
 * cache, so a video further down starts from the cache when its turn comes. */
export function warm(urls: string[]): void {
  for (const url of urls) {
    if (warmed.has(url)) continue;
    warmed.add(url);
    fetch(url, { priority: "low" } as RequestInit).catch(() => warmed.delete(url));
  }
}

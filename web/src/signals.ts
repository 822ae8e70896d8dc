// What the viewer did, sent to POST /api/v1/events in batches: the feed learns from it.
// Unsent events survive a dropped connection and a reload (kept in localStorage).
import { identity } from "./api";

export interface WatchSignal {
  type: "impression" | "watch";
  video_id: string;
  request_id?: string;
  watched_ms?: number;
  duration_ms?: number;
  completed?: boolean;
  replays?: number;
  position?: number;
  ts: string;
}

const STORE_KEY = "foryou.events";
const MAX_BATCH = 100; // the contract's limit
const FLUSH_EVERY_MS = 4000;
const FLUSH_AT = 20;
const KEEP_AT_MOST = 2000; // a long offline session must not fill the storage

let queue: WatchSignal[] = JSON.parse(localStorage.getItem(STORE_KEY) ?? "[]") as WatchSignal[];
let sending = false;

function persist(): void {
  queue = queue.slice(-KEEP_AT_MOST);
  localStorage.setItem(STORE_KEY, JSON.stringify(queue));
}

export function record(signal: Omit<WatchSignal, "ts">): void {
  queue.push({ ...signal, ts: new Date().toISOString() });
  persist();
  if (queue.length >= FLUSH_AT) void flush();
}

/** Sends what is queued; `keepalive` lets the request outlive a page that is going away
 * (the beacon mechanism, with the headers that name the viewer, which sendBeacon cannot). */
export async function flush(keepalive = false): Promise<void> {
  if (sending || queue.length === 0) return;
  sending = true;
  const batch = queue.slice(0, MAX_BATCH);
  try {
    const res = await fetch("/api/v1/events", {
      method: "POST",
      keepalive,
      headers: { ...identity(), "Content-Type": "application/json" },
      body: JSON.stringify({ events: batch }),
    });
    // A 4xx will not get better by sending it again; anything else is tried later.
    if (res.ok || (res.status >= 400 && res.status < 500 && res.status !== 401 && res.status !== 429)) {
      queue = queue.slice(batch.length);
      persist();
    }
  } catch {
    // offline: the batch stays queued
  } finally {
    sending = false;
  }
  if (!keepalive && queue.length >= FLUSH_AT) void flush();
}

export function pending(): number {
  return queue.length;
}

export function startSignals(): void {
  window.setInterval(() => void flush(), FLUSH_EVERY_MS);
  window.addEventListener("online", () => void flush());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") void flush(true);
  });
  window.addEventListener("pagehide", () => void flush(true));
}

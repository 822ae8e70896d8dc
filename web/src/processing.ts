// A video's processing, live: GET /api/v1/videos/{id}/events is server-sent events, read with
// fetch because EventSource cannot send the Authorization header.
import { identity } from "./api";
import type { Processing } from "./types";

export function isFinal(p: Processing): boolean {
  return p.status === "rejected" || p.status === "failed" || (p.status === "ready" && p.progress >= 100);
}

/** Calls `update` with each state until the final one; reconnects if the stream drops. */
export async function followProcessing(
  videoId: string,
  update: (p: Processing) => void,
  signal: AbortSignal,
): Promise<Processing | null> {
  let last: Processing | null = null;
  while (!signal.aborted) {
    try {
      const res = await fetch(`/api/v1/videos/${videoId}/events`, { headers: identity(), signal });
      if (res.status === 404) return null; // deleted
      if (!res.ok || !res.body) throw new Error(String(res.status));
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut: number;
        while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
          const message = buffer.slice(0, cut);
          buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
          const event = /^event: ?(.*)$/m.exec(message)?.[1];
          const data = /^data: ?(.*)$/m.exec(message)?.[1];
          if (event === "deleted") return null;
          if (event === "status" && data) {
            last = JSON.parse(data) as Processing;
            update(last);
            if (isFinal(last)) return last;
          }
        }
      }
    } catch {
      if (signal.aborted) break;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  return last;
}

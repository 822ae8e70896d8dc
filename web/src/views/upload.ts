// Post a video: a resumable tus upload (it survives a dropped connection and a reload), then
// the processing, live, until the video is ready or refused with the reason.
import * as tus from "tus-js-client";
import { requireLogin } from "../actions";
import { identity, refresh } from "../api";
import { h, replace } from "../dom";
import { followProcessing } from "../processing";
import { attachSuggestions } from "../suggest";
import type { Processing } from "../types";

const CHUNK_BYTES = 2 * 1024 * 1024; // each acknowledged chunk is kept by the server
const RETRY_MS = [0, 1000, 3000, 5000, 10000, 20000];
const VIDEO_OF = "foryou.upload-video:"; // upload URL → the video it becomes

/** Where an upload's video id is kept: by the upload URL's path, however it was written. */
function videoKey(uploadUrl: string): string {
  return VIDEO_OF + new URL(uploadUrl, location.href).pathname;
}

export function uploadView(_params: Record<string, string>, outlet: HTMLElement): () => void {
  if (!requireLogin("Log in to post videos.")) return () => undefined;
  const abort = new AbortController();
  const file = h("input", { type: "file", id: "upload-file", name: "file", accept: "video/*", required: true });
  const caption = h("textarea", { id: "upload-caption", name: "caption", maxlength: 2200, rows: 3, placeholder: "Describe your video. #hashtags and @mentions help people find it." });
  const visibility = h(
    "select",
    { id: "upload-visibility", name: "visibility" },
    h("option", { value: "public" }, "Everyone"),
    h("option", { value: "private" }, "Only me"),
  );
  const bar = h("progress", { max: 100, value: 0, "aria-label": "Upload progress" });
  const status = h("p", { class: "upload-status", role: "status", "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "primary wide" }, "Post");
  const pause = h("button", { type: "button", class: "secondary", hidden: true }, "Pause");
  let upload: tus.Upload | null = null;
  let paused = false;

  const processing = (videoId: string) => {
    status.textContent = "Processing… 0%";
    bar.value = 0;
    pause.hidden = true;
    void followProcessing(
      videoId,
      (p: Processing) => {
        bar.value = p.progress;
        if (p.status === "ready") {
          replace(
            status,
            p.progress >= 100 ? "Ready. " : `Playable now; better quality is on its way (${p.progress}%). `,
            h("a", { href: `/v/${videoId}` }, "Watch it"),
          );
        } else if (p.status === "rejected" || p.status === "failed") {
          status.textContent = `Not posted: ${p.status_detail || p.status}.`;
          status.classList.add("error");
          submit.disabled = false;
        } else {
          status.textContent = `Processing… ${p.progress}%`;
        }
      },
      abort.signal,
    );
  };

  const start = (chosen: File) => {
    status.classList.remove("error");
    let videoId: string | null = null;
    upload = new tus.Upload(chosen, {
      endpoint: "/api/v1/uploads",
      chunkSize: CHUNK_BYTES,
      retryDelays: RETRY_MS,
      removeFingerprintOnSuccess: true,
      metadata: { filename: chosen.name, filetype: chosen.type, caption: caption.value, visibility: visibility.value },
      onBeforeRequest: (req) => {
        for (const [name, value] of Object.entries(identity())) req.setHeader(name, value);
      },
      onAfterResponse: (req, res) => {
        const id = res.getHeader("Foryou-Video-Id");
        if (id && req.getMethod() === "POST") {
          videoId = id;
          localStorage.setItem(videoKey(res.getHeader("Location") ?? ""), id);
        }
      },
      onShouldRetry: (err) => {
        const code = err.originalResponse?.getStatus() ?? 0;
        if (code === 401) void refresh();
        return code === 0 || code === 401 || code === 409 || code === 423 || code >= 500;
      },
      onProgress: (sent, total) => {
        bar.value = Math.floor((sent / total) * 100);
        status.textContent = `Uploading… ${bar.value}%`;
      },
      onSuccess: () => {
        const key = videoKey(upload?.url ?? "");
        videoId ??= localStorage.getItem(key);
        localStorage.removeItem(key);
        if (videoId) processing(videoId);
      },
      onError: (err) => {
        const detail = (err as tus.DetailedError).originalResponse?.getBody();
        let why = navigator.onLine ? "The upload failed." : "You're offline: the upload resumes when you're back.";
        try {
          why = (JSON.parse(detail ?? "") as { detail?: string }).detail ?? why;
        } catch {
          // not a problem+json body
        }
        status.textContent = why;
        status.classList.add("error");
        submit.disabled = false;
        if (!navigator.onLine) window.addEventListener("online", () => upload?.start(), { once: true });
      },
    });
    // A file picked again after a dropped connection or a reload continues where it stopped.
    void upload.findPreviousUploads().then((previous) => {
      if (previous.length && upload) {
        upload.resumeFromPreviousUpload(previous[0]);
        videoId = localStorage.getItem(videoKey(previous[0].uploadUrl ?? ""));
        status.textContent = "Resuming the earlier upload…";
      }
      upload?.start();
      pause.hidden = false;
    });
  };

  pause.addEventListener("click", () => {
    if (!upload) return;
    paused = !paused;
    if (paused) void upload.abort();
    else upload.start();
    pause.textContent = paused ? "Resume" : "Pause";
    status.textContent = paused ? "Paused." : "Resuming…";
  });

  const form = h(
    "form",
    {
      class: "upload-form",
      onsubmit: (event: Event) => {
        event.preventDefault();
        const chosen = file.files?.[0];
        if (!chosen) {
          status.textContent = "Choose a video file first.";
          return;
        }
        submit.disabled = true;
        start(chosen);
      },
    },
    h("div", { class: "field" }, h("label", { for: "upload-file" }, "Video file"), file),
    h("div", { class: "field suggest-host" }, h("label", { for: "upload-caption" }, "Caption"), caption),
    h("div", { class: "field" }, h("label", { for: "upload-visibility" }, "Who can watch"), visibility),
    submit,
    h("div", { class: "upload-progress" }, bar, pause),
    status,
  );
  attachSuggestions(caption);
  outlet.append(h("div", { class: "page narrow" }, h("h1", {}, "Post a video"), form));
  return () => abort.abort();
}

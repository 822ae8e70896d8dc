// The review queue: held videos with the signals that flagged them, approve or reject.
import { api, ApiError } from "../api";
import { ago, h, replace, richText } from "../dom";
import { currentUser } from "../session";
import type { Page, QueueItem } from "../types";
import { paged } from "./grid";

function signalText(signal: Record<string, unknown>): string {
  return Object.entries(signal)
    .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(", ");
}

function card(item: QueueItem): HTMLElement {
  const v = item.video;
  const reason = h("input", { name: "reason", required: true, maxlength: 500, placeholder: "Reason (shown to the creator)", "aria-label": `Reason for video ${v.id}` });
  const status = h("p", { role: "status" });
  const decide = async (decision: "approve" | "reject") => {
    const text = reason.value.trim() || (decision === "approve" ? "Looks fine" : "");
    if (!text) {
      status.textContent = "Give a reason for rejecting it.";
      reason.focus();
      return;
    }
    try {
      await api("POST", `/moderation/videos/${v.id}`, { json: { decision, reason: text } });
      replace(el, h("p", { class: "muted" }, `${decision === "approve" ? "Approved" : "Rejected"}: ${v.caption || v.id}`));
    } catch (err) {
      status.textContent = err instanceof ApiError ? err.message : "Could not save the decision.";
    }
  };
  const still = v.playback?.poster;
  const el = h(
    "article",
    { class: "review" },
    still ? h("img", { src: still, alt: "", width: 90, height: 160 }) : h("div", { class: "tile-blank small" }),
    h(
      "div",
      { class: "review-body" },
      h("p", {}, h("a", { href: `/@${v.author.username}` }, `@${v.author.username}`), ` · flagged ${ago(item.flagged_at)}`),
      h("p", { class: "caption" }, richText(v.caption)),
      h("ul", { class: "signals" }, item.signals.map((s) => h("li", {}, signalText(s)))),
      v.playback ? h("a", { href: v.playback.hls, target: "_blank", rel: "noopener" }, "Open the stream") : null,
      h(
        "form",
        { class: "decide", onsubmit: (e: Event) => e.preventDefault() },
        reason,
        h("button", { type: "button", class: "primary", onclick: () => void decide("approve") }, "Approve"),
        h("button", { type: "button", class: "danger", onclick: () => void decide("reject") }, "Reject"),
      ),
      status,
    ),
  );
  return el;
}

export function moderationView(_params: Record<string, string>, outlet: HTMLElement): void {
  const page = h("div", { class: "page" }, h("h1", {}, "Review queue"));
  outlet.append(page);
  if (currentUser()?.role === "user" || !currentUser()) {
    page.append(h("p", {}, "Only moderators can see the review queue."));
    return;
  }
  const queue = h("section", { "aria-label": "Videos to review", "data-layout": "list" });
  page.append(queue);
  paged<QueueItem>(queue, (cursor) => api<Page<QueueItem>>("GET", "/moderation/queue", { query: { limit: 20, cursor } }), card, "Nothing to review.");
}

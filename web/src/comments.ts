// The comment sheet: a modal dialog over the feed, newest first, with a box to add one.
import { requireLogin } from "./actions";
import { api, ApiError } from "./api";
import { ago, h, richText } from "./dom";
import { currentUser } from "./session";
import type { Comment, Page, Video } from "./types";

function row(comment: Comment, onDelete: (c: Comment) => void): HTMLElement {
  const me = currentUser();
  const mine = me && (me.id === comment.author.id || me.role !== "user");
  return h(
    "li",
    { class: "comment-item" },
    h("a", { href: `/@${comment.author.username}`, class: "comment-author" }, `@${comment.author.username}`),
    h("span", { class: "muted" }, ` · ${ago(comment.created_at)}`),
    h("p", {}, richText(comment.text)),
    mine &&
      h("button", { class: "link-button", type: "button", onclick: () => onDelete(comment) }, "Delete"),
  );
}

export function openComments(video: Video, onCount: () => void): void {
  const list = h("ul", { class: "comment-list", "aria-live": "polite" });
  const more = h("button", { class: "link-button", type: "button", hidden: true }, "More comments");
  const input = h("input", {
    name: "text",
    maxlength: 500,
    required: true,
    autocomplete: "off",
    placeholder: "Add a comment…",
    "aria-label": "Add a comment",
  });
  const error = h("p", { class: "error", role: "alert" });
  let cursor: string | null = null;

  const remove = async (comment: Comment) => {
    try {
      await api("DELETE", `/comments/${comment.id}`);
      list.querySelector(`[data-id="${comment.id}"]`)?.remove();
      video.counts.comments = Math.max(0, video.counts.comments - 1);
      onCount();
    } catch (err) {
      error.textContent = err instanceof ApiError ? err.message : "Could not delete it.";
    }
  };
  const add = (comment: Comment, first = false) => {
    const li = row(comment, remove);
    li.dataset.id = comment.id;
    if (first) list.prepend(li);
    else list.append(li);
  };
  const load = async () => {
    try {
      const page = await api<Page<Comment>>("GET", `/videos/${video.id}/comments`, {
        query: { limit: 20, cursor },
      });
      page.items.forEach((c) => add(c));
      cursor = page.next_cursor;
      more.hidden = cursor === null;
      if (!list.children.length) list.append(h("li", { class: "muted empty" }, "No comments yet. Say something nice."));
    } catch (err) {
      error.textContent = err instanceof ApiError ? err.message : "Could not load comments.";
    }
  };
  more.addEventListener("click", () => void load());

  const form = h(
    "form",
    {
      class: "comment-form",
      onsubmit: async (event: Event) => {
        event.preventDefault();
        if (!requireLogin("Log in to comment.")) return dialog.close();
        const text = input.value.trim();
        if (!text) return;
        input.disabled = true;
        try {
          const comment = await api<Comment>("POST", `/videos/${video.id}/comments`, { json: { text } });
          list.querySelector(".empty")?.remove();
          add(comment, true);
          input.value = "";
          error.textContent = "";
          video.counts.comments += 1;
          onCount();
        } catch (err) {
          error.textContent = err instanceof ApiError ? err.message : "Could not post it. Try again.";
        } finally {
          input.disabled = false;
          input.focus();
        }
      },
    },
    input,
    h("button", { type: "submit", class: "primary" }, "Post"),
  );
  const dialog = h(
    "dialog",
    { class: "sheet", "aria-label": "Comments" },
    h(
      "header",
      {},
      h("h2", {}, "Comments"),
      h("button", { type: "button", class: "icon-button", "aria-label": "Close comments", onclick: () => dialog.close() }, "✕"),
    ),
    list,
    more,
    error,
    form,
  );
  dialog.addEventListener("close", () => dialog.remove());
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close(); // a tap on the backdrop
  });
  document.body.append(dialog);
  dialog.showModal();
  input.focus();
  void load();
}

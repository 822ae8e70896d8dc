// Typeahead for #hashtags and @mentions while typing a caption or a search.
import { api } from "./api";
import { h } from "./dom";

export interface Suggestion {
  kind: "hashtag" | "user" | "query";
  text: string; // what goes into the box: "#cooking", "@ada", "pasta"
  label: string;
}

interface SuggestAnswer {
  hashtags?: { tag: string; video_count?: number }[];
  users?: { username: string; display_name?: string }[];
  queries?: string[];
}

export async function suggestions(q: string, signal?: AbortSignal): Promise<Suggestion[]> {
  const answer = await api<SuggestAnswer>("GET", "/search/suggest", { query: { q }, signal });
  return [
    ...(answer.hashtags ?? []).map((t) => ({ kind: "hashtag" as const, text: `#${t.tag}`, label: `#${t.tag}` })),
    ...(answer.users ?? []).map((u) => ({
      kind: "user" as const,
      text: `@${u.username}`,
      label: u.display_name ? `@${u.username} · ${u.display_name}` : `@${u.username}`,
    })),
    ...(answer.queries ?? []).map((text) => ({ kind: "query" as const, text, label: text })),
  ];
}

/** Under a caption box: while the word at the cursor starts with # or @, offers completions
 * (arrow keys and Enter, or a click), as a combobox that screen readers announce. */
export function attachSuggestions(box: HTMLTextAreaElement | HTMLInputElement): void {
  const list = h("ul", { class: "suggestions", role: "listbox", id: `${box.id}-suggestions`, hidden: true });
  box.setAttribute("role", "combobox");
  box.setAttribute("aria-autocomplete", "list");
  box.setAttribute("aria-controls", list.id);
  box.setAttribute("aria-expanded", "false");
  box.after(list);
  let pending: AbortController | null = null;
  let picked = -1;
  let found: Suggestion[] = [];
  let word = { start: 0, end: 0, text: "" };

  const close = () => {
    list.hidden = true;
    list.replaceChildren();
    box.setAttribute("aria-expanded", "false");
    picked = -1;
  };
  const choose = (s: Suggestion) => {
    box.value = `${box.value.slice(0, word.start)}${s.text} ${box.value.slice(word.end)}`;
    const caret = word.start + s.text.length + 1;
    box.setSelectionRange(caret, caret);
    box.focus();
    close();
  };
  const highlight = (i: number) => {
    const items = [...list.children] as HTMLElement[];
    picked = (i + items.length) % items.length;
    items.forEach((el, j) => el.setAttribute("aria-selected", String(j === picked)));
    box.setAttribute("aria-activedescendant", items[picked]?.id ?? "");
  };

  box.addEventListener("input", async () => {
    const caret = box.selectionStart ?? box.value.length;
    const before = box.value.slice(0, caret);
    const match = /(^|\s)([#@][\p{L}\p{N}_.]{1,30})$/u.exec(before);
    if (!match) return close();
    word = { start: caret - match[2].length, end: caret, text: match[2] };
    pending?.abort();
    pending = new AbortController();
    try {
      found = (await suggestions(match[2], pending.signal)).filter((s) => s.text[0] === match[2][0]).slice(0, 6);
      list.replaceChildren(
        ...found.map((s, i) => {
          const li = h("li", { role: "option", id: `${list.id}-${i}`, "aria-selected": "false" }, s.label);
          li.addEventListener("mousedown", (e) => {
            e.preventDefault();
            choose(s);
          });
          return li;
        }),
      );
      list.hidden = found.length === 0;
      box.setAttribute("aria-expanded", String(found.length > 0));
    } catch {
      close(); // suggestions are a help, never a blocker
    }
  });
  box.addEventListener("keydown", (event) => {
    const e = event as KeyboardEvent;
    if (list.hidden) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") highlight(picked + (e.key === "ArrowDown" ? 1 : -1));
    else if (e.key === "Enter" && picked >= 0) choose(found[picked]);
    else if (e.key === "Escape") close();
    else return;
    e.preventDefault();
  });
  box.addEventListener("blur", () => window.setTimeout(close, 150));
}

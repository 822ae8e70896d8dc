// A small hyperscript: every string becomes a text node, so user content (captions,
// comments, names) is never parsed as HTML.

type Child = Node | string | number | null | undefined | false;
type Handler = (event: Event) => void;
export type Attrs = Record<string, string | number | boolean | Handler | null | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") {
      el.addEventListener(name.replace(/^on/, ""), value);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, ...children);
  return el;
}

export function append(el: Node, ...children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  append(el, ...children);
}

/** 1234 → "1.2K", as the apps show counts. */
export function compact(n: number): string {
  return new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 }).format(n);
}

export function ago(iso: string): string {
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  const [value, unit] =
    s < 60 ? [s, "s"] : s < 3600 ? [s / 60, "m"] : s < 86400 ? [s / 3600, "h"] : [s / 86400, "d"];
  return `${Math.floor(value)}${unit} ago`;
}

let toastTimer: number | undefined;

/** A short message at the bottom of the screen, read out by screen readers. */
export function toast(message: string): void {
  const el = document.getElementById("toast");
  if (!el) return;
  el.textContent = message;
  el.classList.add("shown");
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => el.classList.remove("shown"), 3000);
}

/** A caption with its #hashtags and @mentions as links. */
export function richText(text: string): Child[] {
  const parts: Child[] = [];
  const pattern = /([#@])([\p{L}\p{N}_.]+)/gu;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const at = match.index ?? 0;
    parts.push(text.slice(last, at));
    const [whole, sigil, name] = match;
    const href = sigil === "#" ? `/tag/${encodeURIComponent(name.toLowerCase())}` : `/@${name}`;
    parts.push(h("a", { href, class: "inline-link" }, whole));
    last = at + whole.length;
  }
  parts.push(text.slice(last));
  return parts;
}

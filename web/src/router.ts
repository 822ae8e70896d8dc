// History-API routing: same-origin links navigate without a reload, and every route is also
// a real URL the server answers with the app (foryou.web), so links can be shared.

export type View = (params: Record<string, string>, outlet: HTMLElement) => void | (() => void);

interface Route {
  pattern: RegExp;
  keys: string[];
  view: View;
}

const routes: Route[] = [];
let cleanup: (() => void) | void;
let outlet: HTMLElement;

/** `/@:username`, `/v/:id`: each `:name` matches one path segment. */
export function route(path: string, view: View): void {
  const keys: string[] = [];
  const source = path.replace(/:(\w+)/g, (_, key: string) => {
    keys.push(key);
    return "([^/]+)";
  });
  routes.push({ pattern: new RegExp(`^${source}/?$`), keys, view });
}

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  render();
}

function render(): void {
  if (cleanup) cleanup();
  const path = location.pathname;
  for (const r of routes) {
    const match = r.pattern.exec(path);
    if (!match) continue;
    const params = Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(match[i + 1])]));
    for (const [k, v] of new URLSearchParams(location.search)) params[k] ??= v;
    outlet.replaceChildren();
    document.dispatchEvent(new CustomEvent("routechange", { detail: path }));
    cleanup = r.view(params, outlet);
    return;
  }
  navigate("/", true);
}

export function start(el: HTMLElement): void {
  outlet = el;
  window.addEventListener("popstate", render);
  document.addEventListener("click", (event) => {
    const a = (event.target as Element).closest("a");
    if (!a || a.target || a.origin !== location.origin || a.hasAttribute("download")) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    if (a.pathname.startsWith("/api/") || a.pathname.startsWith("/media/")) return;
    event.preventDefault();
    navigate(a.pathname + a.search);
  });
  render();
}

// The HTTP client: bearer tokens with refresh, the device id for logged-out sessions, and
// problem+json errors turned into messages a person can read.
import type { Me, TokenPair } from "./types";

const TOKENS_KEY = "foryou.tokens";
const DEVICE_KEY = "foryou.device";

interface Tokens {
  access: string;
  refresh: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function deviceId(): string {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

function tokens(): Tokens | null {
  const raw = localStorage.getItem(TOKENS_KEY);
  return raw ? (JSON.parse(raw) as Tokens) : null;
}

export function hasSession(): boolean {
  return tokens() !== null;
}

export function saveSession(pair: TokenPair): Me {
  localStorage.setItem(
    TOKENS_KEY,
    JSON.stringify({ access: pair.access_token, refresh: pair.refresh_token }),
  );
  return pair.user;
}

export function clearSession(): void {
  localStorage.removeItem(TOKENS_KEY);
}

/** Headers that say who is asking: the account when logged in, the device otherwise. */
export function identity(): Record<string, string> {
  const t = tokens();
  const headers: Record<string, string> = { "Foryou-Device-Id": deviceId() };
  if (t) headers.Authorization = `Bearer ${t.access}`;
  return headers;
}

let refreshing: Promise<boolean> | null = null;

/** One refresh at a time: the server retires a refresh token once it is used. */
export function refresh(): Promise<boolean> {
  const t = tokens();
  if (!t) return Promise.resolve(false);
  refreshing ??= fetch("/api/v1/auth/refresh", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: t.refresh }),
  })
    .then(async (res) => {
      if (!res.ok) {
        clearSession();
        return false;
      }
      saveSession((await res.json()) as TokenPair);
      return true;
    })
    .catch(() => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

export interface RequestOptions {
  json?: unknown;
  query?: Record<string, string | number | string[] | undefined | null>;
  signal?: AbortSignal;
}

export function withQuery(path: string, query: RequestOptions["query"] = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export async function api<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const send = () =>
    fetch(withQuery(`/api/v1${path}`, opts.query), {
      method,
      signal: opts.signal,
      headers: {
        ...identity(),
        ...(opts.json !== undefined ? { "Content-Type": "application/json" } : {}),
      },
      body: opts.json !== undefined ? JSON.stringify(opts.json) : undefined,
    });
  let res: Response;
  try {
    res = await send();
    if (res.status === 401 && hasSession() && (await refresh())) res = await send();
  } catch (err) {
    if ((err as Error).name === "AbortError") throw err;
    throw new ApiError(0, "You seem to be offline. Check the connection and try again.");
  }
  if (res.status === 204) return undefined as T;
  const body = await res.json().catch(() => null);
  if (!res.ok) throw problem(res.status, body);
  return body as T;
}

function problem(status: number, body: unknown): ApiError {
  const p = (body ?? {}) as {
    detail?: string;
    title?: string;
    errors?: { field?: string; message?: string }[];
  };
  const fields: Record<string, string> = {};
  for (const e of p.errors ?? []) {
    const parts = e.field?.split(".") ?? []; // "body.interests.0" → "interests"
    const name = parts[1] ?? parts[0];
    if (name) fields[name] = e.message ?? "invalid";
  }
  return new ApiError(status, p.detail ?? p.title ?? `The server answered ${status}.`, fields);
}

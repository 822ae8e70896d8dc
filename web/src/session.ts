// Who is signed in, for the views that change with it (nav, follow buttons, moderation).
import { api, clearSession, hasSession, saveSession } from "./api";
import type { Me, TokenPair } from "./types";

let me: Me | null = null;
const listeners = new Set<(user: Me | null) => void>();

export function currentUser(): Me | null {
  return me;
}

export function onSessionChange(listener: (user: Me | null) => void): void {
  listeners.add(listener);
}

function set(user: Me | null): void {
  me = user;
  for (const listener of listeners) listener(user);
}

/** Reads the account behind the stored tokens, if any (a stale session is dropped). */
export async function restore(): Promise<void> {
  if (!hasSession()) return;
  try {
    set(await api<Me>("GET", "/me"));
  } catch {
    clearSession();
    set(null);
  }
}

export async function login(username: string, password: string): Promise<Me> {
  const user = saveSession(
    await api<TokenPair>("POST", "/auth/login", { json: { username, password } }),
  );
  set(user);
  return user;
}

export async function signup(body: {
  username: string;
  password: string;
  display_name?: string;
  interests?: string[];
}): Promise<Me> {
  const user = saveSession(await api<TokenPair>("POST", "/auth/signup", { json: body }));
  set(user);
  return user;
}

export function logout(): void {
  clearSession();
  set(null);
}

export function updated(user: Me): void {
  set(user);
}

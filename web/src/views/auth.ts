// Log in and sign up. Both return to where the visitor was (`?next=`).
import { h } from "../dom";
import { navigate } from "../router";
import { login, signup } from "../session";
import { field, showErrors } from "./form";

function back(params: Record<string, string>): void {
  const next = params.next?.startsWith("/") && !params.next.startsWith("//") ? params.next : "/";
  navigate(next, true);
}

function page(title: string, form: HTMLFormElement, alt: HTMLElement): HTMLElement {
  return h("div", { class: "page narrow" }, h("h1", {}, title), form, alt);
}

export function loginView(params: Record<string, string>, outlet: HTMLElement): void {
  const username = field("Username", "username", { autocomplete: "username", required: true, autocapitalize: "none" });
  const password = field("Password", "password", { type: "password", autocomplete: "current-password", required: true });
  const summary = h("p", { class: "error", role: "alert", tabindex: "-1" });
  const form = h(
    "form",
    {
      onsubmit: async (event: Event) => {
        event.preventDefault();
        try {
          await login(username.input.value.trim(), password.input.value);
          back(params);
        } catch (err) {
          showErrors(err, [username, password], summary);
        }
      },
    },
    summary,
    username.wrap,
    password.wrap,
    h("button", { type: "submit", class: "primary wide" }, "Log in"),
  );
  const next = params.next ? `?next=${encodeURIComponent(params.next)}` : "";
  outlet.append(page("Log in", form, h("p", {}, "New here? ", h("a", { href: `/signup${next}` }, "Sign up"))));
  username.input.focus();
}

export function signupView(params: Record<string, string>, outlet: HTMLElement): void {
  const username = field("Username", "username", {
    autocomplete: "username",
    required: true,
    autocapitalize: "none",
    pattern: "[a-z0-9_.]{3,24}",
    title: "3–24 of a-z, 0-9, _ and .",
  });
  const displayName = field("Display name (optional)", "display_name", { autocomplete: "name", maxlength: 64 });
  const password = field("Password", "password", { type: "password", autocomplete: "new-password", required: true, minlength: 8 });
  const interests = field("Interests (optional)", "interests", { placeholder: "cooking, skate, music" });
  const summary = h("p", { class: "error", role: "alert", tabindex: "-1" });
  const fields = [username, displayName, password, interests];
  const form = h(
    "form",
    {
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const tags = interests.input.value
          .split(/[\s,]+/)
          .map((t) => t.replace(/^#/, "").trim())
          .filter(Boolean);
        try {
          await signup({
            username: username.input.value.trim(),
            password: password.input.value,
            display_name: displayName.input.value.trim() || undefined,
            interests: tags,
          });
          back(params);
        } catch (err) {
          showErrors(err, fields, summary);
        }
      },
    },
    summary,
    ...fields.map((f) => f.wrap),
    h("button", { type: "submit", class: "primary wide" }, "Sign up"),
  );
  const next = params.next ? `?next=${encodeURIComponent(params.next)}` : "";
  outlet.append(page("Sign up", form, h("p", {}, "Have an account? ", h("a", { href: `/login${next}` }, "Log in"))));
  username.input.focus();
}

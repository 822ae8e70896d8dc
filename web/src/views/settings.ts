// The account and this device's preferences.
import { api } from "../api";
import { h } from "../dom";
import { navigate } from "../router";
import { currentUser, logout, updated } from "../session";
import type { Me } from "../types";
import { field, showErrors } from "./form";

export function settingsView(_params: Record<string, string>, outlet: HTMLElement): void {
  const page = h("div", { class: "page narrow" }, h("h1", {}, "Settings"));
  outlet.append(page);
  const me = currentUser();
  if (me) {
    const name = field("Display name", "display_name", { value: me.display_name, maxlength: 64 });
    const bio = field("Bio", "bio", { maxlength: 300, rows: 3 }, true);
    bio.input.value = me.bio;
    const summary = h("p", { role: "status", tabindex: "-1" });
    page.append(
      h("h2", {}, "Profile"),
      h(
        "form",
        {
          onsubmit: async (event: Event) => {
            event.preventDefault();
            try {
              updated(await api<Me>("PATCH", "/me", { json: { display_name: name.input.value.trim() || null, bio: bio.input.value } }));
              summary.textContent = "Saved.";
            } catch (err) {
              showErrors(err, [name, bio], summary);
            }
          },
        },
        summary,
        name.wrap,
        bio.wrap,
        h("button", { type: "submit", class: "primary" }, "Save"),
      ),
    );
  }
  const saver = h("input", { type: "checkbox", id: "data-saver", checked: localStorage.getItem("foryou.preload") === "off" });
  saver.addEventListener("change", () => localStorage.setItem("foryou.preload", saver.checked ? "off" : "on"));
  page.append(
    h("h2", {}, "Playback"),
    h("div", { class: "check" }, saver, h("label", { for: "data-saver" }, "Data saver: load only the video on screen (swipes start a little later)")),
  );
  if (me) {
    page.append(
      h("h2", {}, "Account"),
      h("p", {}, `Signed in as @${me.username}.`),
      h("button", { type: "button", class: "secondary", onclick: () => { logout(); navigate("/"); } }, "Log out"),
    );
  }
}

// Boot: restore the session, draw the navigation, start routing and the signal queue.
import { h, replace } from "./dom";
import { type IconName, icon } from "./icons";
import { route, start } from "./router";
import { currentUser, onSessionChange, restore } from "./session";
import { startSignals } from "./signals";
import "./styles.css";
import { loginView, signupView } from "./views/auth";
import { moderationView } from "./views/moderation";
import { profileView } from "./views/profile";
import { searchView } from "./views/search";
import { settingsView } from "./views/settings";
import { tagView } from "./views/tag";
import { uploadView } from "./views/upload";
import { followingView, forYouView, videoView } from "./views/watch";

function drawNav(): void {
  const me = currentUser();
  const link = (href: string, glyph: IconName, label: string, extra: Record<string, string> = {}) =>
    h("a", { href, class: "nav-link", "data-path": href, ...extra }, h("span", { class: "nav-icon" }, icon(glyph)), h("span", { class: "nav-label" }, label));
  replace(
    document.getElementById("nav")!,
    h("a", { href: "/", class: "brand", "aria-label": "foryou home" }, "foryou"),
    link("/", "home", "For You"),
    link("/following", "following", "Following"),
    link("/upload", "plus", "Post", { class: "nav-link post" }),
    link("/search", "search", "Search"),
    me ? link(`/@${me.username}`, "person", "Profile") : link("/login", "person", "Log in"),
    me && me.role !== "user" ? link("/moderation", "flag", "Review") : null,
    link("/settings", "gear", "Settings", { class: "nav-link secondary-link" }),
  );
  markCurrent();
}

function markCurrent(): void {
  for (const a of document.querySelectorAll<HTMLAnchorElement>("#nav .nav-link")) {
    if (a.dataset.path === location.pathname) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

route("/", forYouView);
route("/following", followingView);
route("/v/:id", videoView);
route("/@:username", profileView);
route("/upload", uploadView);
route("/search", searchView);
route("/tag/:tag", tagView);
route("/login", loginView);
route("/signup", signupView);
route("/settings", settingsView);
route("/moderation", moderationView);

document.addEventListener("routechange", markCurrent);
onSessionChange(drawNav);
startSignals();
void restore().finally(() => {
  drawNav();
  start(document.getElementById("view")!);
});

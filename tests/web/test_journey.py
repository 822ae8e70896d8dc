"""A person's way through the app in Chromium: sign up, post a clip (through a dropped
connection), find it in the profile, moderate, log out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Route, expect

from tests.conftest import unique_name
from tests.media.clips import make_clip
from tests.web.conftest import BLOCKED_WORD, log_in, screenshot
from tests.web.site import PASSWORD, Site


def sign_up(page: Page) -> str:
    username = unique_name("new")
    page.goto("/signup?next=/settings")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Interests (optional)").fill("skate, music")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("link", name="Profile")).to_be_visible()
    return username


def post(page: Page, clip: Path, caption: str) -> str:
    page.goto("/upload")
    page.get_by_label("Video file").set_input_files(clip)
    page.get_by_label("Caption").fill(caption)
    page.get_by_role("button", name="Post").click()
    status = page.locator(".upload-status")
    expect(status).to_contain_text("Ready", timeout=120_000)
    href = status.get_by_role("link", name="Watch it").get_attribute("href") or ""
    assert href.startswith("/v/"), href
    return href.removeprefix("/v/")


def test_sign_up_post_a_clip_and_find_it_in_the_profile(
    site: Site, phone: Page, desktop: Page, tmp_path: Path
) -> None:
    username = sign_up(phone)
    clip = make_clip(tmp_path / "first.mp4", seconds=3)
    video_id = post(phone, clip, "My first clip #skate")
    screenshot(phone, "upload-phone")
    video = site.get(f"/api/v1/videos/{video_id}")
    assert video["author"]["username"] == username and video["hashtags"] == ["skate"]

    phone.get_by_role("link", name="Profile").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(username)
    expect(phone.locator(f'a.tile[href="/v/{video_id}"]')).to_be_visible()
    screenshot(phone, "profile-phone")

    desktop.goto(f"/@{username}")
    expect(desktop.locator(f'a.tile[href="/v/{video_id}"]')).to_be_visible()
    screenshot(desktop, "profile-desktop")
    desktop.locator(f'a.tile[href="/v/{video_id}"]').click()
    expect(desktop.locator(".slot.active")).to_have_attribute("data-video-id", video_id)


def test_an_upload_resumes_after_a_dropped_connection(phone: Page, tmp_path: Path) -> None:
    sign_up(phone)
    dropped: list[str] = []

    def drop_first_append(route: Route) -> None:
        if route.request.method == "PATCH" and not dropped:
            dropped.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    heads: list[str] = []
    phone.on("request", lambda r: heads.append(r.url) if r.method == "HEAD" else None)
    phone.route("**/api/v1/uploads/*", drop_first_append)
    post(phone, make_clip(tmp_path / "resumed.mp4", seconds=3), "Second try #skate")
    assert dropped, "the connection was never dropped"
    assert dropped[0] in heads, "the client did not ask the server where to resume"


def test_a_taken_username_is_explained_on_the_form(site: Site, phone: Page) -> None:
    taken = site.signup("taken")["user"]["username"]
    phone.goto("/signup")
    phone.get_by_label("Username").fill(taken)
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Sign up").click()
    expect(phone.get_by_role("alert").filter(has_text="taken")).to_be_visible()
    assert phone.evaluate("localStorage.getItem('foryou.tokens')") is None


def test_a_moderator_approves_a_held_video(site: Site, desktop: Page) -> None:
    creator = site.signup("held")
    held: dict[str, Any] = site.post_video(creator, f"Something {BLOCKED_WORD} #music")
    assert held["status"] == "processing", held  # held for review
    moderator = site.signup("mod")
    site.grant_moderator(moderator["user"]["username"])
    log_in(desktop, moderator)
    desktop.get_by_role("link", name="Review").click()
    card = desktop.locator("article.review").filter(has_text=BLOCKED_WORD)
    expect(card).to_be_visible()
    screenshot(desktop, "moderation-desktop")
    card.get_by_role("textbox").fill("a false alarm")
    card.get_by_role("button", name="Approve").click()
    expect(desktop.locator(".review-list, section").filter(has_text="Approved")).to_be_visible()
    assert site.get(f"/api/v1/videos/{held['id']}")["status"] == "ready"


def test_log_out(site: Site, phone: Page) -> None:
    log_in(phone, site.signup("bye"))
    phone.get_by_role("button", name="Log out").click()
    expect(phone.get_by_role("link", name="Log in")).to_be_visible()
    assert phone.evaluate("localStorage.getItem('foryou.tokens')") is None
    phone.goto("/following")
    expect(phone.get_by_text("Log in to see the newest videos")).to_be_visible()

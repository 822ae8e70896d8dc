"""The swipe feed in Chromium: it plays, swipes, reports what was watched, takes likes,
comments and follows, survives a dropped connection and skips what cannot play."""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

from tests.web.conftest import log_in, screenshot
from tests.web.site import Site

XSS = '<img src=x onerror="window.__xss=1">'


@pytest.fixture(scope="module")
def world(site: Site) -> dict[str, Any]:
    creator = site.signup("chef", display_name="Chef " + XSS)
    videos = [
        site.post_video(creator, f"Clip {n} #cooking {XSS}", colour=str(n * 60)) for n in range(4)
    ]
    assert all(v["status"] == "ready" for v in videos), videos
    return {"creator": creator, "videos": videos}


def playing(page: Page) -> str:
    """Waits until the video on screen is actually playing; its id."""
    page.wait_for_function(
        "() => { const v = document.querySelector('.slot.active video');"
        " return v && !v.paused && v.currentTime > 0.3 }",
        timeout=20_000,
    )
    start: float = page.evaluate("document.querySelector('.slot.active video').currentTime")
    page.wait_for_function(
        f"() => document.querySelector('.slot.active video').currentTime > {start} + 0.2"
    )
    video_id: str = page.get_attribute(".slot.active", "data-video-id") or ""
    return video_id


def events_in(request: Request) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = json.loads(request.post_data or "{}")["events"]
    return body


def is_events_post(request: Request) -> bool:
    return request.url.endswith("/api/v1/events") and request.method == "POST"


def test_the_feed_plays_swipes_and_reports_what_was_watched(
    phone: Page, desktop: Page, world: dict[str, Any]
) -> None:
    ours = {v["id"] for v in world["videos"]}
    phone.goto("/")
    first = playing(phone)
    assert first in ours
    screenshot(phone, "feed-phone")
    with phone.expect_request(is_events_post, timeout=15_000) as sent:
        phone.keyboard.press("ArrowDown")
        second = playing(phone)
    assert second in ours and second != first
    kinds = {(e["type"], e["video_id"]) for e in events_in(sent.value)}
    assert ("impression", first) in kinds
    watch = next(e for e in events_in(sent.value) if e["type"] == "watch")
    assert watch["video_id"] == first and watch["watched_ms"] > 300, watch
    assert watch["request_id"] and watch["duration_ms"] > 2000, watch

    desktop.goto("/")
    playing(desktop)
    screenshot(desktop, "feed-desktop")


def test_a_swipe_starts_from_what_was_loaded_ahead(phone: Page, world: dict[str, Any]) -> None:
    phone.goto("/")
    playing(phone)
    # the next slot is attached and buffered before it is on screen
    phone.wait_for_function(
        "() => { const s = document.querySelector('.slot.active + .slot video');"
        " return s && s.readyState >= 2 }",
        timeout=15_000,
    )
    phone.keyboard.press("ArrowDown")
    playing(phone)


def test_like_comment_and_follow_update_at_once_and_on_the_server(
    site: Site, phone: Page, world: dict[str, Any]
) -> None:
    viewer = site.signup("fan")
    log_in(phone, viewer)
    phone.goto("/")
    video_id = playing(phone)

    like = phone.locator(".slot.active .action.like")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like.locator(".count")).to_have_text("1")
    phone.wait_for_timeout(300)
    assert site.get(f"/api/v1/videos/{video_id}", viewer)["liked_by_me"] is True

    phone.locator(".slot.active .action.comment").click()
    sheet = phone.get_by_role("dialog", name="Comments")
    sheet.get_by_label("Add a comment").fill(f"Looks tasty {XSS}")
    sheet.get_by_role("button", name="Post").click()
    expect(sheet.locator(".comment-item").first).to_contain_text(f"Looks tasty {XSS}")
    screenshot(phone, "comments-phone")
    sheet.get_by_role("button", name="Close comments").click()
    expect(phone.locator(".slot.active .action.comment .count")).to_have_text("1")
    comments = site.get(f"/api/v1/videos/{video_id}/comments")["items"]
    assert [c["text"] for c in comments] == [f"Looks tasty {XSS}"]

    follow = phone.locator(".slot.active .action.follow")
    follow.click()
    expect(follow).to_have_attribute("aria-pressed", "true")
    creator = world["creator"]["user"]["username"]
    phone.wait_for_timeout(300)
    assert site.get(f"/api/v1/users/{creator}", viewer)["is_following"] is True


def test_captions_comments_and_names_render_as_text(
    site: Site, phone: Page, world: dict[str, Any]
) -> None:
    video = world["videos"][0]
    phone.goto(f"/v/{video['id']}")
    playing(phone)
    expect(phone.locator(".slot.active .caption")).to_contain_text(XSS)
    phone.goto(f"/@{world['creator']['user']['username']}")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Chef " + XSS)
    injected = phone.evaluate("document.querySelectorAll('main img[src=\"x\"]').length")
    assert injected == 0
    assert phone.evaluate("window.__xss") is None


def test_events_queued_offline_are_sent_when_back_online(
    phone: Page, world: dict[str, Any]
) -> None:
    phone.goto("/")
    first = playing(phone)
    phone.context.set_offline(True)
    phone.keyboard.press("ArrowDown")
    phone.wait_for_timeout(4500)  # a flush is tried, and fails
    queued = phone.evaluate("JSON.parse(localStorage.getItem('foryou.events') || '[]')")
    assert any(e["type"] == "watch" and e["video_id"] == first for e in queued), queued
    with phone.expect_request(is_events_post, timeout=15_000) as sent:
        phone.context.set_offline(False)
    assert any(e["type"] == "watch" and e["video_id"] == first for e in events_in(sent.value))
    phone.wait_for_function("() => (localStorage.getItem('foryou.events') || '[]') === '[]'")


def test_a_failed_feed_request_offers_a_retry(phone: Page, world: dict[str, Any]) -> None:
    phone.route("**/api/v1/feed?*", lambda route: route.abort())
    phone.goto("/")
    retry = phone.get_by_role("button", name="Retry")
    expect(retry).to_be_visible()
    phone.unroute("**/api/v1/feed?*")
    retry.click()
    playing(phone)


def test_a_video_that_cannot_play_is_skipped(
    site: Site, phone: Page, world: dict[str, Any]
) -> None:
    broken = site.post_video(world["creator"], "This one breaks #cooking")
    shutil.rmtree(site.data_dir / "blobs" / "videos" / broken["id"] / "hls")
    phone.goto(f"/v/{broken['id']}")
    expect(phone.locator(f'.slot[data-video-id="{broken["id"]}"] .notice')).to_contain_text(
        "Skipped"
    )
    assert playing(phone) != broken["id"]


def test_search_finds_videos_people_and_hashtags(
    site: Site, desktop: Page, world: dict[str, Any]
) -> None:
    creator = world["creator"]["user"]["username"]
    desktop.goto("/search")
    desktop.get_by_label("Search", exact=True).fill("cooking")
    desktop.get_by_role("button", name="Search").click()
    for video in world["videos"]:
        expect(desktop.locator(f'a.tile[href="/v/{video["id"]}"]')).to_be_visible()
    screenshot(desktop, "search-desktop")

    desktop.goto(f"/search?q={creator[:6]}&type=users")
    expect(desktop.locator(f'a.row[href="/@{creator}"]')).to_be_visible()

    desktop.get_by_label("Search", exact=True).fill("#cooking")
    desktop.get_by_role("button", name="Search").click()
    expect(desktop).to_have_url(f"{site.url}/tag/cooking")
    expect(desktop.get_by_role("heading", level=1)).to_have_text("#cooking")
    for video in world["videos"]:
        expect(desktop.locator(f'a.tile[href="/v/{video["id"]}"]')).to_be_visible()


def test_the_caption_box_suggests_hashtags(site: Site, phone: Page, world: dict[str, Any]) -> None:
    log_in(phone, site.signup("writer"))
    phone.goto("/upload")
    caption = phone.get_by_label("Caption")
    caption.press_sequentially("Dinner #coo")
    option = phone.get_by_role("option", name="#cooking")
    expect(option).to_be_visible()
    caption.press("ArrowDown")
    caption.press("Enter")
    expect(caption).to_have_value("Dinner #cooking ")

"""Browser tests: Debian's Chromium, driven by Playwright, against a live ``foryou serve``
(embedded backends, real media pipeline) holding a few generated clips."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from foryou.webapp import STATIC
from tests.conftest import settings_for
from tests.live import live_server
from tests.web.site import PASSWORD, Site

CHROMIUM = os.environ.get("FORYOU_TEST_CHROMIUM", "/usr/bin/chromium")
# Chromium's own calls home would be refused here, many at a time: keep it quiet.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
BLOCKED_WORD = "forbiddenword"  # captions with it are held for review


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not (STATIC / "index.html").is_file():
        pytest.fail("the web app is not built: run `make web`")
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: `make services` installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("site")
    settings = settings_for("embedded", tmp, moderation_blocked_words=[BLOCKED_WORD])
    with live_server(settings) as url:
        yield Site(url, settings.data_dir)


def _page(browser: Browser, site: Site, device: dict[str, Any]) -> Iterator[Page]:
    context = browser.new_context(base_url=site.url, **device)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Failed to load resource" not in message.text:
            errors.append(message.text)

    page.on("console", console)
    yield page
    context.close()
    assert not errors, errors  # the app threw or logged an error


@pytest.fixture
def phone(browser: Browser, site: Site) -> Iterator[Page]:
    yield from _page(browser, site, PHONE)


@pytest.fixture
def desktop(browser: Browser, site: Site) -> Iterator[Page]:
    yield from _page(browser, site, DESKTOP)


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def log_in(page: Page, user: dict[str, Any]) -> None:
    """Logs in and lands on settings: a feed page would spend the small catalog."""
    page.goto("/login?next=/settings")
    page.get_by_label("Username").fill(user["user"]["username"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Profile")).to_be_visible()

"""Swipe to first frame in Chromium, with and without loading ahead.

A demo platform (`foryou seed --demo`) is served all-in-one on the embedded defaults; Debian's
Chromium opens the feed at phone size and swipes N times. Each swipe lands the next slot on
screen at once (as a finished flick does) and the clock stops at the first frame that slot's
<video> presents after it (requestVideoFrameCallback). "with prefetching" is the app as it
ships: the next two slots are attached to hls.js and buffer before they are on screen, and the
feed's prefetch hints warm the HTTP cache. "without" is its data-saver setting: only the slot
on screen loads, so every swipe fetches the master, the rung playlist, the init segment and
the first segment before it can show anything.

    python bench/bench_swipe.py [--swipes 50] [--videos 60] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, sync_playwright
from rich.console import Console
from rich.table import Table

CHROMIUM = os.environ.get("FORYOU_TEST_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}
WATCH_S = 1.2  # how long each video plays before the next swipe
FORYOU_BIN = Path(sys.executable).parent / "foryou"
console = Console()

# One swipe: the next slot snaps onto the screen; resolves with the milliseconds until it
# presents a frame, or -1 when there is no next slot (yet).
SWIPE_JS = """
async () => {
  const current = document.querySelector('.slot.active');
  const next = current && current.nextElementSibling;
  if (!next || !next.classList.contains('slot')) return -1;
  const video = next.querySelector('video');
  const track = document.querySelector('.feed');
  return await new Promise((resolve) => {
    const t0 = performance.now();
    video.requestVideoFrameCallback(() => resolve(performance.now() - t0));
    track.scrollTo({ top: next.offsetTop, behavior: 'instant' });
  });
}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def seed(data_dir: Path, videos: int) -> None:
    console.print(f"seeding a demo platform with {videos} clips into {data_dir} …")
    args = [str(FORYOU_BIN), "seed", "--demo", "--videos", str(videos), "--data-dir", str(data_dir)]
    subprocess.run(args, check=True)


def serve(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "FORYOU_LOG_LEVEL": "WARNING", "FORYOU_ONLINE_PUSH_S": "0"}
    args = [str(FORYOU_BIN), "serve", "--port", str(port), "--data-dir", str(data_dir)]
    process = subprocess.Popen(args, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.terminate()
    raise SystemExit("foryou serve did not become ready within 60 s")


def swipes(browser: Browser, url: str, count: int, preload: bool) -> list[float]:
    context = browser.new_context(base_url=url, **PHONE)
    setting = "on" if preload else "off"
    context.add_init_script(f"localStorage.setItem('foryou.preload', '{setting}')")
    page = context.new_page()
    page.goto("/")
    page.wait_for_function(
        "() => { const v = document.querySelector('.slot.active video');"
        " return v && v.currentTime > 0.2 }",
        timeout=30_000,
    )
    times: list[float] = []
    misses = 0
    while len(times) < count and misses < 20:
        page.wait_for_timeout(WATCH_S * 1000)
        ms = page.evaluate(SWIPE_JS)
        if ms < 0:  # the next page is still on its way
            misses += 1
            continue
        times.append(ms)
    context.close()
    if len(times) < count:
        console.print(f"[yellow]only {len(times)} swipes: the feed ran out of videos[/yellow]")
    return times


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swipes", type=int, default=50)
    parser.add_argument("--videos", type=int, default=60)
    parser.add_argument("--keep", type=Path, help="a seeded data directory to reuse")
    opts = parser.parse_args()
    data_dir = opts.keep or Path(tempfile.mkdtemp(prefix="foryou-swipe-")) / "data"
    if not (data_dir / "sql").exists():
        seed(data_dir, opts.videos)
    process, url = serve(data_dir)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            results = {
                "with prefetching": swipes(browser, url, opts.swipes, preload=True),
                "without prefetching": swipes(browser, url, opts.swipes, preload=False),
            }
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
        if not opts.keep:
            shutil.rmtree(data_dir.parent, ignore_errors=True)

    size = "{width}×{height}".format(**PHONE["viewport"])
    table = Table(title=f"swipe → first frame, Chromium at {size}, ms")
    for column in ("mode", "swipes", "p50", "p95", "max", "mean"):
        table.add_column(column, justify="right")
    for mode, times in results.items():
        table.add_row(
            mode,
            str(len(times)),
            f"{pct(times, 0.5):.0f}",
            f"{pct(times, 0.95):.0f}",
            f"{max(times):.0f}",
            f"{statistics.fmean(times):.0f}",
        )
    console.print(table)
    with_p95 = pct(results["with prefetching"], 0.95)
    without_p95 = pct(results["without prefetching"], 0.95)
    console.print(f"p95 without / with prefetching: {without_p95 / with_p95:.1f}×")


if __name__ == "__main__":
    main()

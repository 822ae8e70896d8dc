"""``foryou seed --demo``: a living platform on a new data directory.

The app runs in this process with its media workers and stream processors, and the seed
talks to it over HTTP (httpx's ASGI transport), as the apps would: creators sign up, their
clips (drawn by ffmpeg, foryou.demo.clips) go through the upload path and the media jobs to
``ready``, and then viewers scroll For You and send impressions, watch events, likes,
comments, shares and follows (foryou.demo.viewing) through the event log, so that counters,
trending, the features and the bandit have something to work with.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from foryou.app import create_app
from foryou.demo import DEFAULT_VIDEOS, DEFAULT_VIEWERS
from foryou.demo.api import SeedError, call
from foryou.demo.clips import ClipPlan, can_draw_text, plan, render
from foryou.demo.viewing import Viewer, Viewing
from foryou.demo.vocabulary import CREATORS, TOPICS, VIEWER_NAMES, VIEWER_REGIONS, Creator
from foryou.media.ffmpeg import FfmpegMissing, capabilities
from foryou.media.ffmpeg.run import FfmpegFailed
from foryou.settings import Settings

PASSWORD = "demo-password"  # every demo account's, so a newcomer can log in as a creator
PAGES = 3  # feed pages each viewer scrolls
ANONYMOUS_EVERY = 5  # every fifth viewer has no account, only a device id
POLL_S = 0.5
POLLED = 4  # the oldest pending videos polled at a time: media jobs run in upload order
STALL_S = 180.0  # no video finished for this long: the media workers are not running
SETTLE_S = 30.0  # how long to wait for the stream processors to count the viewing
# The seed is one client acting as dozens of people: the per-address limits would stop it.
OVERRIDES = {
    "rate_limit_client_per_minute": 1_000_000,
    "rate_limit_auth_per_minute": 1_000_000,
    "online_push_s": 0,  # nothing to train online yet
    "log_level": "WARNING",  # the progress bars are the output
}

Steps = Callable[[str, int, int], None]  # (phase, done, total)


class DemoExists(SeedError):
    """The data directory has the demo already."""


@dataclass
class Summary:
    creators: int
    viewers: int
    ready: int
    not_ready: list[str]  # what did not become ready, and why
    text: bool  # whether the clips carry drawn titles
    did: Counter[str]  # impressions, watches, likes, ...
    seconds: float


async def seed_demo(
    settings: Settings,
    *,
    videos: int = DEFAULT_VIDEOS,
    creators: int = len(CREATORS),
    viewers: int = DEFAULT_VIEWERS,
    seed: int = 7,
    steps: Steps = lambda phase, done, total: None,
) -> Summary:
    """Seed the demo into the platform ``settings`` names; raise SeedError on the first
    thing that fails (DemoExists if the demo is there already)."""
    if settings.mode == "production":
        raise SeedError("the demo's accounts share a published password: not in production mode")
    started = time.monotonic()
    _check_ffmpeg()  # before anything is written
    text = can_draw_text()
    cast = CREATORS[: max(1, min(creators, len(CREATORS)))]
    clips = plan(videos, cast, seed)
    async with _running(settings) as client:
        await _refuse_if_seeded(client, cast[0])
        creator_headers = await _sign_up_creators(client, cast, steps, len(cast) + viewers)
        people = await _sign_up_viewers(client, viewers, seed, steps, offset=len(cast))
        ready, not_ready = await _publish(client, clips, creator_headers, steps, text=text)
        if not ready:
            raise SeedError("no demo video became ready: " + "; ".join(not_ready))
        viewing = Viewing(client, ready, seed)
        for page in range(PAGES):  # in rounds, so later viewers meet what earlier ones liked
            for n, viewer in enumerate(people, 1):
                await viewing.scroll(viewer)
                steps("viewing", page * len(people) + n, PAGES * len(people))
        await _counted(client, ready, viewing.tally["watch"])
    took = time.monotonic() - started
    return Summary(len(cast), len(people), len(ready), not_ready, text, viewing.tally, took)


def _check_ffmpeg() -> None:
    try:
        found = capabilities()
    except (FfmpegMissing, OSError, subprocess.SubprocessError) as exc:
        raise SeedError(f"no usable ffmpeg ({exc}); see foryou doctor") from exc
    encoders = found["encoders"]
    assert isinstance(encoders, dict)
    if not (encoders["libx264"] and encoders["aac"]):
        raise SeedError(f"ffmpeg at {found['path']} lacks libx264 or aac; see foryou doctor")


@contextlib.asynccontextmanager
async def _running(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan (migrations, media workers, stream processors)."""
    app = create_app(settings.model_copy(update=OVERRIDES))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://seed") as client:
            yield client


async def _refuse_if_seeded(client: httpx.AsyncClient, first: Creator) -> None:
    response = await client.get(f"/api/v1/users/{first.username}")
    if response.status_code == 200:
        raise DemoExists(
            f"this data directory has the demo already (@{first.username} exists; an "
            "interrupted seed leaves a part of it): nothing was added. To seed again, "
            "point --data-dir at a new directory."
        )


async def _sign_up(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, str]:
    """A new account's auth header."""
    answer = await call(
        client,
        "POST",
        "/api/v1/auth/signup",
        who=body["username"],
        json={**body, "password": PASSWORD},
    )
    return {"Authorization": f"Bearer {answer['access_token']}"}


async def _sign_up_creators(
    client: httpx.AsyncClient, cast: tuple[Creator, ...], steps: Steps, accounts: int
) -> dict[str, dict[str, str]]:
    """Each creator's auth header, by username (``accounts``: creators and viewers)."""
    headers = {}
    for n, creator in enumerate(cast, 1):
        auth = await _sign_up(
            client,
            {
                "username": creator.username,
                "display_name": creator.display_name,
                "region": creator.region,
            },
        )
        bio = {"bio": creator.bio}
        await call(client, "PATCH", "/api/v1/me", who=creator.username, headers=auth, json=bio)
        headers[creator.username] = auth
        steps("creating accounts", n, accounts)
    return headers


async def _sign_up_viewers(
    client: httpx.AsyncClient, count: int, seed: int, steps: Steps, *, offset: int
) -> list[Viewer]:
    rng = random.Random(f"{seed}:viewers")
    names = [t.name for t in TOPICS]
    people = []
    for n in range(count):
        topics = tuple(rng.sample(names, 2))
        region = rng.choice(VIEWER_REGIONS)
        if n % ANONYMOUS_EVERY == ANONYMOUS_EVERY - 1:
            device = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            headers = {"Foryou-Device-Id": device}
            name, signed_in = f"device {device[:8]}", False
        else:
            first = VIEWER_NAMES[n % len(VIEWER_NAMES)]
            name = first if n < len(VIEWER_NAMES) else f"{first}{n // len(VIEWER_NAMES) + 1}"
            body = {"username": name, "display_name": name.title(), "region": region}
            headers = await _sign_up(client, {**body, "interests": list(topics)})
            signed_in = True
        people.append(Viewer(name, {**headers, "Foryou-Region": region}, topics, signed_in))
        steps("creating accounts", offset + n + 1, offset + count)
    return people


async def _publish(
    client: httpx.AsyncClient,
    clips: list[ClipPlan],
    headers: dict[str, dict[str, str]],
    steps: Steps,
    *,
    text: bool,
) -> tuple[dict[str, ClipPlan], list[str]]:
    """Draw and upload the clips while the media workers process the earlier ones; the ready
    clips by video id, and what became of the others."""
    pending: dict[str, ClipPlan] = {}  # uploaded, in upload order
    ready: dict[str, ClipPlan] = {}
    not_ready: list[str] = []
    for phase in ("generating clips", "uploading + processing"):
        steps(phase, 0, len(clips))  # both bars show from the start
    with tempfile.TemporaryDirectory(prefix="foryou-demo-") as work:
        uploads = asyncio.create_task(
            _upload_all(client, clips, headers, Path(work), text, pending, steps)
        )
        loop = asyncio.get_running_loop()
        last_done, finished = loop.time(), 0
        try:
            while not (uploads.done() and not pending):
                if uploads.done() and uploads.exception() is not None:
                    break
                await asyncio.sleep(POLL_S)
                for video_id, clip in list(pending.items())[:POLLED]:
                    owner = headers[clip.creator.username]
                    path, who = f"/api/v1/videos/{video_id}", clip.creator.username
                    video = await call(client, "GET", path, who=who, headers=owner)
                    outcome = _outcome(video)
                    if outcome is None:
                        continue
                    del pending[video_id]
                    if outcome == "ready":
                        ready[video_id] = clip
                    else:
                        not_ready.append(f"{clip.title!r} by @{clip.creator.username}: {outcome}")
                    finished, last_done = finished + 1, loop.time()
                    steps("uploading + processing", finished, len(clips))
                if pending and loop.time() - last_done > STALL_S:
                    raise SeedError(
                        f"no video finished processing in {STALL_S:.0f} s: are media workers "
                        "running (FORYOU_MEDIA_EMBEDDED_WORKERS, or foryou worker media)?"
                    )
        except BaseException:
            uploads.cancel()
            await asyncio.gather(uploads, return_exceptions=True)
            raise
        await uploads  # raises what stopped the uploads, if anything did
    return ready, not_ready


def _outcome(video: dict[str, Any]) -> str | None:
    """``ready``, why it is not, or None while it is still being processed."""
    if video["status"] in ("rejected", "failed"):
        return f"{video['status']} ({video['status_detail']})"
    if video["progress"] < 100:
        return None
    return "ready" if video["status"] == "ready" else "held for review"


async def _upload_all(
    client: httpx.AsyncClient,
    clips: list[ClipPlan],
    headers: dict[str, dict[str, str]],
    work: Path,
    text: bool,
    pending: dict[str, ClipPlan],
    steps: Steps,
) -> None:
    for n, clip in enumerate(clips, 1):
        try:
            path = await render(clip, work / f"{clip.index}.mp4", text=text)
        except (FfmpegFailed, FfmpegMissing, OSError) as exc:
            detail = getattr(exc, "stderr", "").strip()[-300:] or str(exc)
            raise SeedError(f"ffmpeg could not draw demo clip {clip.index}: {detail}") from exc
        steps("generating clips", n, len(clips))
        video = await call(
            client,
            "POST",
            "/api/v1/videos",
            who=clip.creator.username,
            headers=headers[clip.creator.username],
            files={"file": (f"{clip.topic.name}-{clip.index}.mp4", path.read_bytes(), "video/mp4")},
            data={"caption": clip.caption, "visibility": "public"},
        )
        path.unlink()
        pending[video["id"]] = clip


async def _counted(client: httpx.AsyncClient, ready: dict[str, ClipPlan], watches: int) -> None:
    """Wait (a while) for the counters to count every watch: the stream has caught up."""
    deadline = asyncio.get_running_loop().time() + SETTLE_S
    while asyncio.get_running_loop().time() < deadline:
        views = 0
        for video_id in ready:
            video = await call(client, "GET", f"/api/v1/videos/{video_id}", who="the seed")
            views += video["counts"]["views"]
        if views >= watches:
            return
        await asyncio.sleep(POLL_S)

"""The uploader follows processing live: ``GET /videos/{id}/events`` over a real HTTP server."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from foryou.domains.videos import progress_views
from tests.conftest import settings_for, signup, upload
from tests.live import live_server
from tests.media.clips import make_clip

Event = tuple[str, dict[str, Any]]


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    with live_server(settings_for("embedded", tmp_path)) as url:
        yield url


@pytest_asyncio.fixture
async def client(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        yield http


async def read_events(
    client: httpx.AsyncClient, video_id: str, headers: dict[str, str], timeout: float = 120
) -> tuple[list[Event], list[str]]:
    """Every event of the stream until the server ends it, and the comment lines (pings)."""
    events: list[Event] = []
    comments: list[str] = []
    name, data = "message", ""
    async with asyncio.timeout(timeout):
        async with client.stream(
            "GET", f"/api/v1/videos/{video_id}/events", headers=headers
        ) as response:
            assert response.status_code == 200, await response.aread()
            assert response.headers["content-type"].startswith("text/event-stream")
            async for line in response.aiter_lines():
                if line.startswith(":"):
                    comments.append(line)
                elif line.startswith("event:"):
                    name = line.removeprefix("event:").strip()
                elif line.startswith("data:"):
                    data += line.removeprefix("data:").strip()
                elif not line and data:
                    events.append((name, json.loads(data)))
                    name, data = "message", ""
    return events, comments


async def test_the_uploader_sees_progress_until_every_rung_is_ready(
    client: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress_views, "PING_S", 1)
    # three rungs (360, 540, 720): the two higher ones take a while after the first plays
    clip = make_clip(tmp_path / "three-rungs.mp4", size="720x1280", seconds=4)
    user = await signup(client)
    video = await upload(client, user, clip.read_bytes())
    events, comments = await read_events(client, video["id"], user["headers"])

    assert {name for name, _ in events} == {"status"}
    states = [data for _, data in events]
    assert all(set(s) == {"status", "status_detail", "progress", "playback_ready"} for s in states)
    assert all(a != b for a, b in itertools.pairwise(states)), "sent only on change"
    progress = [s["progress"] for s in states]
    assert progress == sorted(progress), progress
    assert states[-1]["status"] == "ready" and states[-1]["progress"] == 100, states[-1]
    assert states[-1]["playback_ready"] and states[-1]["status_detail"] == ""
    playable = next(i for i, s in enumerate(states) if s["playback_ready"])
    assert states[playable]["progress"] < 100, states  # the first rung plays before the rest
    assert states[playable]["status"] == "ready"
    assert not states[0]["playback_ready"] and states[0]["status"] == "processing"
    assert any("ping" in c for c in comments), comments

    page = (await client.get(f"/api/v1/videos/{video['id']}", headers=user["headers"])).json()
    assert page["progress"] == 100 and len(page["playback"]["renditions"]) == 3
    again, _ = await read_events(client, video["id"], user["headers"], timeout=5)
    assert again == [events[-1]]  # a finished video: its final state at once, then the end


async def test_a_refused_upload_ends_the_stream_with_the_reason(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    audio = make_clip(tmp_path / "audio.mp4", extra=["-vn"])
    user = await signup(client)
    video = await upload(client, user, audio.read_bytes())
    events, _ = await read_events(client, video["id"], user["headers"])
    last = events[-1][1]
    assert last["status"] == "rejected" and "no picture" in last["status_detail"], last
    assert not last["playback_ready"]
    assert all(data["status"] != "ready" for _, data in events)


async def test_only_the_uploader_may_follow(client: httpx.AsyncClient, tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "small.mp4", seconds=1)
    owner, stranger = await signup(client), await signup(client)
    video = await upload(client, owner, clip.read_bytes())
    url = f"/api/v1/videos/{video['id']}/events"
    anonymous: dict[str, str] = {}
    for headers in (stranger["headers"], anonymous):
        response = await client.get(url, headers=headers)
        assert response.status_code == 404, response.text
        assert response.headers["content-type"] == "application/problem+json"
    unknown = await client.get("/api/v1/videos/12345/events", headers=owner["headers"])
    assert unknown.status_code == 404
    events, _ = await read_events(client, video["id"], owner["headers"])
    assert events[-1][1]["status"] == "ready"
    # public and ready now, yet still the uploader's own view
    assert (await client.get(url, headers=stranger["headers"])).status_code == 404

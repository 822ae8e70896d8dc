"""Feed tests' catalog of ready videos, without transcoding (rows on the author's shard plus
the ``video.ready`` event the pipeline would publish: it has its own tests), and the calls
those tests make as a client."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from foryou.domains.videos import hashtags, keys
from foryou.domains.videos.models import Video
from foryou.domains.videos.service import publish_video_event
from foryou.ids import logical_shard_of, new_id
from foryou.platform import Platform
from foryou.stream.features import video_meta
from tests.conftest import eventually, signup

DURATION_MS = 20_000


def platform_of(client: httpx.AsyncClient) -> Platform:
    return client.app.state.platform  # type: ignore[attr-defined,no-any-return]


async def ready_videos(platform: Platform, author_id: int, captions: list[str]) -> list[int]:
    ids = []
    for caption in captions:
        video_id = new_id(logical_shard_of(author_id))
        video = Video(
            id=video_id,
            author_id=author_id,
            caption=caption,
            hashtags=hashtags.extract(caption),
            visibility="public",
            status="ready",
            source_key=keys.source(video_id),
            duration_ms=DURATION_MS,
            width=360,
            height=640,
            progress=100,
            playback={
                "hls_key": keys.master(video_id),
                "poster_key": keys.poster(video_id),
                "thumb_key": keys.thumb(video_id),
                "renditions": [
                    {"width": 360, "height": 640, "bandwidth": 900_000, "codecs": "avc1.64001e"}
                ],
            },
        )
        async with platform.sql.begin(platform.sql.shard_of(video_id)) as session:
            session.add(video)
        await publish_video_event(platform, video, "video.ready")
        ids.append(video_id)
    return ids


def watch(video_id: int, *, completed: bool, watched_ms: int | None = None) -> dict[str, Any]:
    return {
        "type": "watch",
        "video_id": str(video_id),
        "duration_ms": DURATION_MS,
        "watched_ms": DURATION_MS if completed else (watched_ms or 1_000),
        "completed": completed,
    }


async def creators(api: httpx.AsyncClient, n: int) -> list[int]:
    return [int((await signup(api))["user"]["id"]) for _ in range(n)]


async def topics_catalog(
    api: httpx.AsyncClient, plan: dict[str, int], per_creator: int, tag: str = "{topic}"
) -> dict[str, list[int]]:
    """topic -> video ids: ``plan[topic]`` creators posting ``per_creator`` clips each,
    hashtagged ``tag`` (which may name the creator's number ``{n}``)."""
    platform = platform_of(api)
    out: dict[str, list[int]] = {}
    for topic, count in plan.items():
        for n, author in enumerate(await creators(api, count)):
            hashtag = tag.format(topic=topic, n=n)
            captions = [f"{topic} clip {i} #{hashtag}" for i in range(per_creator)]
            out.setdefault(topic, []).extend(await ready_videos(platform, author, captions))
    every = [v for ids in out.values() for v in ids]

    async def indexed() -> None:
        assert None not in await video_meta(platform, every)

    await eventually(indexed)
    return out


def new_device() -> dict[str, str]:
    return {"Foryou-Device-Id": str(uuid.uuid4())}


async def feed_page(
    api: httpx.AsyncClient, headers: dict[str, str], limit: int = 10
) -> list[dict[str, Any]]:
    response = await api.get("/api/v1/feed", params={"limit": limit}, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def ids_of(items: list[dict[str, Any]]) -> list[int]:
    return [int(i["video"]["id"]) for i in items]


async def send_events(
    api: httpx.AsyncClient, headers: dict[str, str], events: list[dict[str, Any]]
) -> None:
    response = await api.post("/api/v1/events", json={"events": events}, headers=headers)
    assert response.status_code == 202, response.text

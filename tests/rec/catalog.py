"""A catalog of ready videos for feed tests, without transcoding: rows on the author's shard
plus the ``video.ready`` event the pipeline would publish (the pipeline has its own tests)."""

from __future__ import annotations

from typing import Any

import httpx

from foryou.domains.videos import hashtags, keys
from foryou.domains.videos.models import Video
from foryou.domains.videos.service import publish_video_event
from foryou.ids import logical_shard_of, new_id
from foryou.platform import Platform

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

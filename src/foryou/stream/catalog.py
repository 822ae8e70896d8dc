"""The catalog of published videos in kv, newest first, kept from the ``videos`` topic.

This is what the placeholder For You feed reads (no SQL fan-out on the hot path), and the
recommendation engine's fresh pool later. Idempotent: adds and removes by video id.
"""

from __future__ import annotations

from foryou.ids import LOW_BITS
from foryou.platform import Platform
from foryou.platform.events import Event
from foryou.stream import topics
from foryou.stream.runner import Processor

NAME = "catalog"
RECENT_KEY = "catalog:recent"
RECENT_CAP = 100_000


def recency_score(video_id: int) -> float:
    """The ID without its worker and sequence bits: time and shard, exact in a double."""
    return float(video_id >> LOW_BITS)


async def apply(platform: Platform, events: list[Event]) -> None:
    kv = platform.kv
    for event in events:
        v = event.value
        video_id = str(v["video_id"])
        published = v.get("status") == "ready" and v.get("visibility") == "public"
        if v["type"] != "video.deleted" and published:
            await kv.zadd(RECENT_KEY, {video_id: recency_score(int(video_id))})
        else:
            await kv.zrem(RECENT_KEY, video_id)
    await kv.ztrim(RECENT_KEY, RECENT_CAP)


def processor(platform: Platform) -> Processor:
    async def handle(events: list[Event]) -> None:
        await apply(platform, events)

    return Processor(NAME, (topics.VIDEOS,), handle)

"""Caption embeddings of published videos, kept in this process's ANN index (the vectors
port) and snapshotted to blobs, from which api replicas without this processor reload it.

Embedding is idempotent (a video's vector depends only on its caption), so a replay simply
recomputes the same vectors.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from foryou.platform import Platform
from foryou.platform.events import Event
from foryou.rec.embeddings import caption_text, embed_texts
from foryou.stream import topics
from foryou.stream.runner import Processor

NAME = "embeddings"
SNAPSHOT_KEY = "vectors/captions.idx"
SNAPSHOT_EVERY_S = 30.0


async def apply(platform: Platform, events: list[Event], state: dict[str, float]) -> None:
    latest: dict[int, dict[str, Any] | None] = {}
    for event in events:
        v = event.value
        published = (
            v["type"] != "video.deleted"
            and v.get("status") == "ready"
            and v.get("visibility") == "public"
        )
        latest[int(v["video_id"])] = v if published else None
    gone = [video_id for video_id, v in latest.items() if v is None]
    fresh = {video_id: v for video_id, v in latest.items() if v is not None}
    if gone:
        platform.vectors.remove(gone)
    if fresh:
        texts = [
            caption_text(str(v.get("caption") or ""), list(v.get("hashtags") or []))
            for v in fresh.values()
        ]
        vectors = await asyncio.to_thread(embed_texts, texts)
        platform.vectors.add(list(fresh), vectors)
    if (gone or fresh) and time.monotonic() - state.get("saved", 0.0) > SNAPSHOT_EVERY_S:
        await platform.vectors.save(platform.blobs, SNAPSHOT_KEY)
        state["saved"] = time.monotonic()


def processor(platform: Platform) -> Processor:
    state: dict[str, float] = {}

    async def handle(events: list[Event]) -> None:
        await apply(platform, events, state)

    return Processor(NAME, (topics.VIDEOS,), handle)

"""The embeddings processor's index reaches replicas through its blob snapshot."""

from __future__ import annotations

import asyncio
from pathlib import Path

from foryou.platform import Platform
from foryou.platform.events import Event
from foryou.rec import ann
from foryou.rec.embeddings import embed_texts
from foryou.settings import Settings
from foryou.stream import embeddings, topics
from tests.conftest import eventually

CAPTIONS = {
    101: "creamy pasta carbonara #cooking",
    102: "knife skills for onions #cooking",
    103: "sunset skateboarding tricks #skate",
}


def published(video_id: int, caption: str, offset: int) -> Event:
    value = {
        "type": "video.published",
        "video_id": video_id,
        "status": "ready",
        "visibility": "public",
        "caption": caption,
        "hashtags": [],
    }
    return Event(topics.VIDEOS, 0, offset, str(video_id), value, 0)


async def test_a_replica_searches_what_the_processor_indexed(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    processor, replica = Platform.open(settings), Platform.open(settings)  # one blob store
    events = [published(v, c, at) for at, (v, c) in enumerate(CAPTIONS.items())]
    await embeddings.apply(processor, events, {})
    stop = asyncio.Event()
    reloading = asyncio.create_task(ann.keep_loaded(replica, stop))

    async def loaded() -> None:
        assert len(replica.vectors) == len(CAPTIONS)

    try:
        await eventually(loaded)
        [query] = embed_texts(["how to cook spaghetti"])
        assert replica.vectors.search(query, 3) == processor.vectors.search(query, 3)
        assert {v for v, _ in replica.vectors.search(query, 2)} == {101, 102}
    finally:
        stop.set()
        await reloading
        await processor.close()
        await replica.close()

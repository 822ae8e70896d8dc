"""The event lake: every event once, as Parquet by topic and hour, even when redelivered."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from typing import Any

import httpx
import orjson
import pyarrow.parquet as pq

from foryou.platform import Platform
from foryou.platform.events import Event
from foryou.stream import lake, runner, topics

HOUR_MS = 3_600_000
T0 = 1_764_640_800_000  # 2025-12-02 02:00:00 UTC


def _platform(client: httpx.AsyncClient) -> Platform:
    platform: Platform = client.app.state.platform  # type: ignore[attr-defined]
    return platform


async def _rows(platform: Platform) -> list[dict[str, Any]]:
    rows = []
    for key in await platform.blobs.list(lake.PREFIX):
        table = pq.read_table(io.BytesIO(await platform.blobs.get(key)))
        rows += [{"file": key, **row} for row in table.to_pylist()]
    return rows


async def _watch_events(platform: Platform, count: int) -> list[Event]:
    """``count`` watch events spread over three hours, as a consumer receives them."""
    records = [
        (f"u:{i % 3}", {"type": "watch", "video_id": 100 + i, "ts_ms": T0 + i * HOUR_MS // 4})
        for i in range(count)
    ]
    await topics.append(platform.events, topics.WATCH, records)
    consumer = platform.events.consumer("lake-test-reader", [topics.WATCH])
    try:
        return await consumer.poll(max_records=count, timeout_s=1)
    finally:
        await consumer.close()


async def test_every_event_lands_once_by_topic_and_hour(api: httpx.AsyncClient) -> None:
    platform = _platform(api)
    events = await _watch_events(platform, 12)
    await topics.publish(platform.events, topics.INTERACTIONS, 5, "like.added", video_id=7)
    # A group of its own: the app's lake processor is running beside the test.
    processor = dataclasses.replace(lake.processor(platform), name="lake-test")
    assert await runner.drain(platform.events, processor) >= 13

    rows = await _rows(platform)
    watch = sorted((r for r in rows if "/watch/" in r["file"]), key=lambda r: r["offset"])
    assert [r["offset"] for r in watch] == [e.offset for e in events]
    assert [orjson.loads(r["value"]) for r in watch] == [e.value for e in events]
    assert {r["file"].rsplit("/", 2)[0] for r in watch} == {"lake/watch/2025-12-02"}
    assert sorted({r["file"].split("/")[3] for r in watch}) == ["02", "03", "04"]
    for row in watch:  # each row sits in the hour its event happened
        assert row["file"].split("/")[3] == f"{(row['ts_ms'] - T0) // HOUR_MS + 2:02d}"
    [like] = [r for r in rows if "/interactions/" in r["file"]]
    assert like["type"] == "like.added" and orjson.loads(like["value"])["video_id"] == 7


async def test_a_redelivered_batch_rewrites_the_same_files(api: httpx.AsyncClient) -> None:
    platform = _platform(api)
    events = await _watch_events(platform, 10)
    first = await lake.write(platform, events)
    assert await lake.write(platform, events) == first  # the same batch again: same files
    # A batch that failed after writing, then came back shorter; the rest follows it.
    await lake.write(platform, events[:3])
    await lake.write(platform, events[3:])
    offsets = sorted(r["offset"] for r in await _rows(platform))
    assert offsets == [e.offset for e in events]


async def test_a_batch_lingers_to_make_fewer_files(api: httpx.AsyncClient) -> None:
    """Events that arrive while a batch lingers join it: one write, not one per poll."""
    platform = _platform(api)
    batches: list[int] = []

    async def handle(events: list[Event]) -> None:
        batches.append(len(events))

    processor = runner.Processor("linger-test", [topics.USERS], handle, linger_s=0.6)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(platform.events, processor, stop, idle_timeout_s=0.05))
    for i in range(3):
        await topics.publish(platform.events, topics.USERS, i, "user.test")
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)
    await runner.stop_all([task], stop)
    assert sum(batches) >= 3 and batches[0] >= 3, batches

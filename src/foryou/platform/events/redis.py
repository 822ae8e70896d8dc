"""Redis Streams event log: one stream per topic, one consumer group per group.

Offsets are stream ids ``ms-seq`` packed as ``(ms << 20) | seq`` (partition 0). Every
consumer of a group reads as the same member, so entries one instance polled but did not
acknowledge are still pending for that member and the next instance reads them first.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any, cast

import orjson
import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError
from redis.typing import KeyT, StreamIdT

from foryou.platform.events import Event, Record

KEY_PREFIX = "foryou:events:"
MEMBER = "member"  # one active member per group on this backend

Entry = tuple[bytes, dict[bytes, bytes] | None]  # (stream id, fields; None once deleted)
Reply = list[tuple[bytes, list[Entry]]]  # XREADGROUP in RESP2: (stream key, entries) pairs


def _key(topic: str) -> str:
    return KEY_PREFIX + topic


def _encode(value: Mapping[str, Any]) -> bytes:
    # default=dict lets orjson take any Mapping at no cost for plain dicts.
    return orjson.dumps(value, default=dict)


def _offset(entry_id: bytes) -> tuple[int, int]:
    """(offset, ms) of a stream id."""
    ms, seq = entry_id.split(b"-")
    return (int(ms) << 20) | int(seq), int(ms)


class RedisEventLog:
    def __init__(self, url: str) -> None:
        self._redis = aioredis.from_url(url)

    async def append(self, topic: str, records: Sequence[Record]) -> None:
        if not records:
            return
        key = _key(topic)
        async with self._redis.pipeline(transaction=True) as pipe:
            for record_key, value in records:
                pipe.xadd(key, {"k": record_key, "v": _encode(value)})
            await pipe.execute()

    def consumer(self, group: str, topics: Sequence[str]) -> RedisConsumer:
        return RedisConsumer(self._redis, group, list(topics))

    async def reset_group(self, group: str, topics: Sequence[str]) -> None:
        # Re-creating the group (rather than XGROUP SETID) also drops its pending list, so
        # the replay does not deliver pending entries twice.
        for topic in topics:
            key = _key(topic)
            if await self._redis.exists(key):
                await self._redis.xgroup_destroy(key, group)
            await self._redis.xgroup_create(key, group, id="0", mkstream=True)

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except (RedisError, OSError):
            return False

    async def close(self) -> None:
        await self._redis.aclose()


class RedisConsumer:
    def __init__(self, client: aioredis.Redis, group: str, topics: list[str]) -> None:
        self._redis = client
        self._group = group
        self._topics = {_key(topic): topic for topic in topics}
        self._ready = False
        # Read cursors over this member's pending entries, per stream, until each is drained.
        self._pending_from: dict[KeyT, StreamIdT] = dict.fromkeys(self._topics, "0")
        # COUNT applies per stream, so a read can return more than max_records: keep the rest.
        self._buffer: deque[tuple[str, bytes, Event]] = deque()
        self._unacked: dict[str, list[bytes]] = {}

    async def _ensure_groups(self) -> None:
        for key in self._topics:
            try:
                await self._redis.xgroup_create(key, self._group, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise
        self._ready = True

    async def _read(self, streams: dict[KeyT, StreamIdT], count: int, block_ms: int | None) -> None:
        """XREADGROUP into the buffer, moving the pending cursors along."""
        reply = await self._redis.xreadgroup(
            self._group, MEMBER, streams, count=count, block=block_ms
        )
        for raw_key, entries in cast(Reply, reply or []):
            key = raw_key.decode()
            if key in self._pending_from:
                if entries:
                    self._pending_from[key] = entries[-1][0]
                else:
                    del self._pending_from[key]
            self._buffer.extend(self._events(key, entries))

    def _events(self, key: str, entries: list[Entry]) -> list[tuple[str, bytes, Event]]:
        events: list[tuple[str, bytes, Event]] = []
        for entry_id, fields in entries:
            if not fields:  # trimmed while pending: acknowledge it, nothing to deliver
                self._unacked.setdefault(key, []).append(entry_id)
                continue
            offset, ms = _offset(entry_id)
            event = Event(
                self._topics[key], 0, offset, fields[b"k"].decode(), orjson.loads(fields[b"v"]), ms
            )
            events.append((key, entry_id, event))
        return events

    async def poll(self, *, max_records: int = 500, timeout_s: float = 1.0) -> list[Event]:
        if not self._ready:
            await self._ensure_groups()
        while not self._buffer and self._pending_from:
            await self._read(dict(self._pending_from), max_records, None)
        if not self._buffer:
            new: dict[KeyT, StreamIdT] = dict.fromkeys(self._topics, ">")
            await self._read(new, max_records, int(timeout_s * 1000) or None)
        events: list[Event] = []
        while self._buffer and len(events) < max_records:
            key, entry_id, event = self._buffer.popleft()
            self._unacked.setdefault(key, []).append(entry_id)
            events.append(event)
        return events

    async def commit(self) -> None:
        if not self._unacked:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for key, ids in self._unacked.items():
                pipe.xack(key, self._group, *ids)
            await pipe.execute()
        self._unacked.clear()

    async def close(self) -> None:
        """Nothing to release: unacknowledged entries stay pending for the next consumer."""

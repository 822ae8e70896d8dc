"""Topics and event types: what every write publishes after it commits.

Each event value carries ``type``, ``id`` (unique, time-ordered) and ``ts_ms``, plus the
fields its consumers need, so nothing downstream has to read SQL to learn what happened.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from foryou.ids import new_id
from foryou.observability import metrics
from foryou.platform.events import EventLog, Record

USERS = "users"
VIDEOS = "videos"
INTERACTIONS = "interactions"
WATCH = "watch"
SERVED = "served"  # what the feed served, with the features it scored (foryou.feed.served)
ALL = (USERS, VIDEOS, INTERACTIONS, WATCH, SERVED)


def make_event(type_: str, shard_hint: int = 0, **fields: Any) -> dict[str, Any]:
    return {"type": type_, "id": new_id(shard_hint), "ts_ms": int(time.time() * 1000), **fields}


async def publish(log: EventLog, topic: str, key: int | str, type_: str, **fields: Any) -> None:
    await append(log, topic, [(str(key), make_event(type_, **fields))])


async def append(log: EventLog, topic: str, records: Sequence[Record]) -> None:
    await log.append(topic, records)
    metrics.EVENTS_PUBLISHED.labels(topic).inc(len(records))

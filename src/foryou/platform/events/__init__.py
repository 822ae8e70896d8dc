"""Event log port: an append-only log with topics, keys, consumer groups and committed offsets.

Backends: ``sqlite:///path/events.db`` (the embedded default), ``redis://host:port/db``
(Redis Streams) and ``kafka://host:port[,host:port]`` (aiokafka).

Guarantees every backend keeps (the contract suite checks them):
- records with the same key keep their order (same partition, increasing offsets);
- a new group starts at the earliest retained record;
- a consumer resumes after its group's last commit; what it polled but did not commit is
  delivered again (at least once), so consumers must be idempotent;
- groups are independent of each other.
The SQLite and Redis backends serve one active member per group; scale a group out with
Kafka partitions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from foryou.platform.registry import open_backend

BACKENDS = {
    "sqlite": "foryou.platform.events.sqlite:SqliteEventLog",
    "redis": "foryou.platform.events.redis:RedisEventLog",
    "kafka": "foryou.platform.events.kafka:KafkaEventLog",
}

Record = tuple[str, Mapping[str, Any]]  # (key, JSON-serialisable value)


@dataclass(frozen=True)
class Event:
    topic: str
    partition: int
    offset: int  # increases within a partition
    key: str
    value: dict[str, Any]
    ts_ms: int  # append time


class Consumer(Protocol):
    async def poll(self, *, max_records: int = 500, timeout_s: float = 1.0) -> list[Event]:
        """Return what is available now, or wait up to ``timeout_s`` for the first record."""
        ...

    async def commit(self) -> None:
        """Commit everything polled so far."""
        ...

    async def close(self) -> None: ...


class EventLog(Protocol):
    async def append(self, topic: str, records: Sequence[Record]) -> None:
        """Append atomically enough that a returned call means the records are durable."""
        ...

    def consumer(self, group: str, topics: Sequence[str]) -> Consumer: ...

    async def reset_group(self, group: str, topics: Sequence[str]) -> None:
        """Make the group's next consumer start from the earliest retained record (replay)."""
        ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...


def open_events(url: str) -> EventLog:
    log: EventLog = open_backend("events", url, BACKENDS)
    return log

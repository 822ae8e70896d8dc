"""Ports: every piece of state goes through one of these, chosen by URL scheme."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from foryou.platform.blobs import Blobs, open_blobs
from foryou.platform.events import EventLog, open_events
from foryou.platform.id_slots import IdSlotLease
from foryou.platform.jobs import Jobs
from foryou.platform.kv import KV, open_kv
from foryou.platform.sql import ShardedSQL, open_sql
from foryou.platform.vectors import VectorIndex, open_vectors
from foryou.settings import Settings


@dataclass
class Platform:
    """The open backends of one process, handed to services."""

    settings: Settings
    sql: ShardedSQL
    blobs: Blobs
    kv: KV
    events: EventLog
    vectors: VectorIndex  # this process's ANN index of caption embeddings
    jobs: Jobs | None = None  # opened on first use: only media roles and uploaders need it
    _id_lease: IdSlotLease | None = field(default=None, repr=False)
    local: dict[str, Any] = field(default_factory=dict, repr=False)  # this process's caches

    @classmethod
    def open(cls, settings: Settings) -> Platform:
        return cls(
            settings=settings,
            sql=open_sql(settings.sql_shards),
            blobs=open_blobs(settings.blobs),
            kv=open_kv(settings.kv),
            events=open_events(settings.events),
            vectors=open_vectors(settings.vectors),
        )

    async def start_minting(self) -> int:
        """Lease an ID worker slot: required before this process mints IDs (see ``foryou.ids``)."""
        self._id_lease = IdSlotLease(self.sql)
        return await self._id_lease.acquire()

    async def close(self) -> None:
        if self.jobs is not None:
            await self.jobs.stop_workers()
        if self._id_lease is not None:
            await self._id_lease.release()
        await self.events.close()
        await self.kv.close()
        await self.blobs.close()
        await self.sql.close()

"""Leases on the ID worker slots, kept on SQL shard 0, so every process mints distinct IDs.

Every process that mints IDs (api workers, stream processors, media workers, on any machine)
holds one of ``foryou.ids.WORKERS`` slots for as long as it runs. A slot is claimed by a
compare-and-set ``UPDATE`` (free, or its lease expired), which is atomic on SQLite, PostgreSQL
and MySQL alike, and renewed well inside its time to live. A process that stalls past the
lease and finds its slot taken claims another before minting again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid

from sqlalchemy import BigInteger, String, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from foryou import ids
from foryou.platform.sql import ShardedSQL
from foryou.platform.sql.base import Base

log = logging.getLogger(__name__)

LEASE_MS = 30_000
RENEW_EVERY_S = LEASE_MS / 1000 / 3
SLOTS_SHARD = 0


class IdWorkerSlot(Base):
    """One of the worker numbers IDs carry; ``holder`` leases it until ``expires_ms``."""

    __tablename__ = "id_worker_slots"

    slot: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    holder: Mapped[str | None] = mapped_column(String(96))
    expires_ms: Mapped[int] = mapped_column(BigInteger, default=0)


class AllSlotsTaken(RuntimeError):
    pass


def _now_ms() -> int:
    return int(time.time() * 1000)


class IdSlotLease:
    """Claims a slot, points ``foryou.ids`` at it, and keeps it renewed until ``release``."""

    def __init__(self, sql: ShardedSQL) -> None:
        self._sql = sql
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.slot: int | None = None
        self._renewer: asyncio.Task[None] | None = None

    async def acquire(self) -> int:
        self.slot = await self._claim()
        ids.set_worker(self.slot)
        self._renewer = asyncio.create_task(self._keep_renewed(), name="id-slot-lease")
        return self.slot

    async def _claim(self) -> int:
        now = _now_ms()
        async with self._sql.session(SLOTS_SHARD) as session:
            free = list(
                await session.scalars(
                    select(IdWorkerSlot.slot).where(
                        or_(IdWorkerSlot.holder.is_(None), IdWorkerSlot.expires_ms < now)
                    )
                )
            )
        random.shuffle(free)  # processes starting together rarely race for the same row
        for slot in free:
            if await self._compare_and_set(slot, expired_before=now):
                log.info("holding ID worker slot %d", slot, extra={"holder": self.holder})
                return slot
        raise AllSlotsTaken(
            f"all {ids.WORKERS} ID worker slots are leased by running processes; stop one, "
            f"or wait {LEASE_MS // 1000} s for the lease of a crashed one to expire"
        )

    async def _compare_and_set(self, slot: int, *, expired_before: int) -> bool:
        async with self._sql.begin(SLOTS_SHARD) as session:
            result = await session.execute(
                update(IdWorkerSlot)
                .where(
                    IdWorkerSlot.slot == slot,
                    or_(
                        IdWorkerSlot.holder.is_(None),
                        IdWorkerSlot.holder == self.holder,
                        IdWorkerSlot.expires_ms < expired_before,
                    ),
                )
                .values(holder=self.holder, expires_ms=_now_ms() + LEASE_MS)
            )
            return result.rowcount == 1  # type: ignore[attr-defined]

    async def renew(self) -> None:
        """Extend the lease; if another process took the slot meanwhile, claim a new one."""
        assert self.slot is not None
        if not await self._compare_and_set(self.slot, expired_before=-1):
            log.warning(
                "ID worker slot %d was taken over after a stall; claiming another", self.slot
            )
            self.slot = await self._claim()
            ids.set_worker(self.slot)

    async def _keep_renewed(self) -> None:
        while True:
            await asyncio.sleep(RENEW_EVERY_S)
            try:
                await self.renew()
            except Exception:  # a brief outage of shard 0 must not kill the process
                log.exception("could not renew ID worker slot %s", self.slot)

    async def release(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
        if self.slot is not None:
            async with self._sql.begin(SLOTS_SHARD) as session:
                await session.execute(
                    update(IdWorkerSlot)
                    .where(IdWorkerSlot.slot == self.slot, IdWorkerSlot.holder == self.holder)
                    .values(holder=None, expires_ms=0)
                )
            self.slot = None

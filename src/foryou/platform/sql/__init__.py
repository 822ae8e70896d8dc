"""Sharded SQL port: one SQLAlchemy async engine per shard, rows placed by their ID.

URLs: ``sqlite:///path.db`` (the embedded default, one file per shard),
``postgresql://...`` (asyncpg) and ``mysql://...`` / ``mariadb://...`` (asyncmy). A logical
shard (carried in every ID, see ``foryou.ids``) maps to a physical shard by modulo.

Hot reads by ID across shards go through ``ShardedSQL.read``. On SQLite it runs them all in
one worker-thread call on the synchronous driver: aiosqlite makes a thread round trip for
every cursor call, and a ten-row read on four shards cost 8 ms of CPU that way against 2.9 ms
in one thread call (bench/README.md, "Feed cards without the async driver").
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, Row, Select, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from foryou.ids import logical_shard_of

__all__ = ["IntegrityError", "ShardedSQL", "async_url", "open_sql"]

T = TypeVar("T")

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "mysql": "mysql+asyncmy",
    "mariadb": "mysql+asyncmy",
}


def async_url(url: str) -> str:
    """Give a plain ``scheme://`` URL its async driver; leave an explicit driver alone."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"sql: {url!r} is not a URL (expected e.g. sqlite:///data/s0.db)")
    if "+" in scheme:
        return url
    if scheme not in _DRIVERS:
        raise ValueError(
            f"sql: unsupported scheme {scheme!r} in {url!r}; use sqlite, postgresql or mysql"
        )
    return f"{_DRIVERS[scheme]}://{rest}"


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets readers run beside the writer; the busy timeout rides out short write locks.
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _create_engine(url: str) -> AsyncEngine:
    full = make_url(async_url(url))
    if full.get_backend_name() == "sqlite":
        if full.database and full.database != ":memory:":
            Path(full.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(full, pool_size=8, max_overflow=8)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        full, pool_size=10, max_overflow=20, pool_pre_ping=True, pool_recycle=1800
    )


def _sync_reader(url: str) -> Engine | None:
    """A synchronous engine for ``ShardedSQL.read`` on a SQLite file (None otherwise: an
    in-memory database is private to its connection, and servers have async drivers)."""
    full = make_url(url)
    if full.get_backend_name() != "sqlite" or full.database in (None, "", ":memory:"):
        return None
    engine = create_engine(
        full.set(drivername="sqlite+pysqlite"),
        pool_size=4,
        connect_args={"check_same_thread": False},  # pooled across the worker threads
        # Only SELECTs run here, and pysqlite opens no transaction for one: the rollback a
        # pool does on every return has nothing to undo, and took ~40 % of a 2-row read.
        pool_reset_on_return=None,
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class ShardedSQL:
    def __init__(self, urls: Sequence[str]) -> None:
        if not urls:
            raise ValueError("sql: at least one shard URL is required")
        self.urls = list(urls)
        self.engines = [_create_engine(u) for u in self.urls]
        self._sessions = [async_sessionmaker(e, expire_on_commit=False) for e in self.engines]
        self._readers = [_sync_reader(u) for u in self.urls]

    @property
    def shard_count(self) -> int:
        return len(self.engines)

    def shard_of_logical(self, logical_shard: int) -> int:
        return logical_shard % self.shard_count

    def shard_of(self, id_: int) -> int:
        """The physical shard holding the row with this ID."""
        return self.shard_of_logical(logical_shard_of(id_))

    def group_by_shard(self, ids: Iterable[int]) -> dict[int, list[int]]:
        groups: dict[int, list[int]] = {}
        for id_ in ids:
            groups.setdefault(self.shard_of(id_), []).append(id_)
        return groups

    async def read(self, ids: Iterable[int], statement: Select[Any]) -> list[Row[Any]]:
        """``statement`` on every shard holding some of the IDs, its expanding bind parameter
        ``ids`` set to that shard's; plain rows, in the shards' order."""
        local: list[tuple[Engine, list[int]]] = []
        reads = []
        for shard, part in self.group_by_shard(ids).items():
            if (reader := self._readers[shard]) is not None:
                local.append((reader, part))
            else:
                reads.append(self._read_async(shard, part, statement))
        if local:
            reads.append(asyncio.to_thread(_read_local, local, statement))
        return [row for rows in await asyncio.gather(*reads) for row in rows]

    async def _read_async(
        self, shard: int, ids: list[int], statement: Select[Any]
    ) -> list[Row[Any]]:
        async with self.engines[shard].connect() as conn:
            return list((await conn.execute(statement, {"ids": ids})).all())

    @asynccontextmanager
    async def session(self, shard: int) -> AsyncIterator[AsyncSession]:
        """A session for reads; nothing is committed unless the caller commits."""
        async with self._sessions[shard]() as session:
            yield session

    @asynccontextmanager
    async def begin(self, shard: int) -> AsyncIterator[AsyncSession]:
        """A transaction on one shard: committed on exit, rolled back on any error."""
        async with self._sessions[shard]() as session, session.begin():
            yield session

    async def ping(self) -> list[bool]:
        results = []
        for engine in self.engines:
            try:
                async with engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
                results.append(True)
            except Exception:
                results.append(False)
        return results

    async def close(self) -> None:
        for engine in self.engines:
            await engine.dispose()
        for reader in self._readers:
            if reader is not None:
                reader.dispose()


def _read_local(parts: list[tuple[Engine, list[int]]], statement: Select[Any]) -> list[Row[Any]]:
    """Every local shard's part in one worker-thread call (one hop off the loop, not one each)."""
    rows: list[Row[Any]] = []
    for reader, ids in parts:
        with reader.connect() as conn:
            rows += conn.execute(statement, {"ids": ids}).all()
    return rows


def open_sql(urls: Sequence[str]) -> ShardedSQL:
    return ShardedSQL(urls)

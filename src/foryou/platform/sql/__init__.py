"""Sharded SQL port: one SQLAlchemy async engine per shard, rows placed by their ID.

URLs: ``sqlite:///path.db`` (the embedded default, one file per shard),
``postgresql://...`` (asyncpg) and ``mysql://...`` / ``mariadb://...`` (asyncmy). A logical
shard (carried in every ID, see ``foryou.ids``) maps to a physical shard by modulo.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import event, text
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


class ShardedSQL:
    def __init__(self, urls: Sequence[str]) -> None:
        if not urls:
            raise ValueError("sql: at least one shard URL is required")
        self.urls = list(urls)
        self.engines = [_create_engine(u) for u in self.urls]
        self._sessions = [async_sessionmaker(e, expire_on_commit=False) for e in self.engines]

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


def open_sql(urls: Sequence[str]) -> ShardedSQL:
    return ShardedSQL(urls)

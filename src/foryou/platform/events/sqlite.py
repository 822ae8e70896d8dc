"""SQLite event log: one table of records (the rowid is the offset, partition 0) and one
table of committed offsets per (group, topic, partition).

Consumers poll by offset. Appends from this process wake waiting polls at once; appends from
other processes that share the file are seen within ``FALLBACK_POLL_S``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosqlite
import orjson

from foryou.platform.events import Event, Record

FALLBACK_POLL_S = 0.05
BUSY_TIMEOUT_S = 30.0

# AUTOINCREMENT so ids are never reused, even if retention ever deletes the newest rows;
# committed offsets must stay meaningful. The topic index implicitly ends with the rowid.
SCHEMA = """
CREATE TABLE IF NOT EXISTS event_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    ts_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS event_records_topic ON event_records (topic);
CREATE TABLE IF NOT EXISTS event_commits (
    grp TEXT NOT NULL,
    topic TEXT NOT NULL,
    part INTEGER NOT NULL,
    committed INTEGER NOT NULL,
    PRIMARY KEY (grp, topic, part)
) WITHOUT ROWID;
"""

INSERT = "INSERT INTO event_records (topic, key, value, ts_ms) VALUES (?, ?, ?, ?)"
UPSERT_COMMIT = (
    "INSERT INTO event_commits (grp, topic, part, committed) VALUES (?, ?, 0, ?) "
    "ON CONFLICT (grp, topic, part) DO UPDATE SET committed = excluded.committed"
)


def _path_from_url(url: str) -> Path:
    """``sqlite:///rel/x.db`` is relative, ``sqlite:////abs/x.db`` absolute (SQLAlchemy style)."""
    path = unquote(urlsplit(url).path)
    return Path(path[1:] if path.startswith("/") else path)


def _encode(value: Mapping[str, Any]) -> bytes:
    # default=dict lets orjson take any Mapping at no cost for plain dicts.
    return orjson.dumps(value, default=dict)


class SqliteEventLog:
    def __init__(self, url: str) -> None:
        self._path = _path_from_url(url)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._open_lock = asyncio.Lock()
        self._write_lock = asyncio.Lock()
        # Replaced after every append, so each waiter sees the append that follows its read.
        self._appended = asyncio.Event()

    async def _connect(self) -> tuple[aiosqlite.Connection, aiosqlite.Connection]:
        async with self._open_lock:
            if self._writer is None or self._reader is None:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                # IMMEDIATE takes the write lock when the transaction begins, so writers in
                # other processes wait on the busy timeout instead of failing on upgrade.
                writer = await aiosqlite.connect(
                    self._path, timeout=BUSY_TIMEOUT_S, isolation_level="IMMEDIATE"
                )
                await writer.execute("PRAGMA journal_mode=WAL")
                await writer.execute("PRAGMA synchronous=NORMAL")
                await writer.executescript(SCHEMA)
                # Autocommit reader: every SELECT sees the latest committed snapshot.
                reader = await aiosqlite.connect(
                    self._path, timeout=BUSY_TIMEOUT_S, isolation_level=None
                )
                self._writer, self._reader = writer, reader
            return self._writer, self._reader

    async def append(self, topic: str, records: Sequence[Record]) -> None:
        if not records:
            return
        ts_ms = time.time_ns() // 1_000_000
        await self._write(INSERT, [(topic, key, _encode(value), ts_ms) for key, value in records])
        self._appended.set()
        self._appended = asyncio.Event()

    async def _write(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """One transaction on the single writer connection."""
        writer, _ = await self._connect()
        async with self._write_lock:
            try:
                await writer.executemany(sql, rows)
                await writer.commit()
            except BaseException:
                await writer.rollback()
                raise

    def consumer(self, group: str, topics: Sequence[str]) -> SqliteConsumer:
        return SqliteConsumer(self, group, list(topics))

    async def reset_group(self, group: str, topics: Sequence[str]) -> None:
        await self._write(
            "DELETE FROM event_commits WHERE grp = ? AND topic = ?",
            [(group, topic) for topic in topics],
        )

    async def ping(self) -> bool:
        try:
            _, reader = await self._connect()
            await reader.execute_fetchall("SELECT 1")
        except Exception:
            return False
        return True

    async def close(self) -> None:
        async with self._open_lock:
            for conn in (self._writer, self._reader):
                if conn is not None:
                    await conn.close()
            self._writer = self._reader = None


class SqliteConsumer:
    def __init__(self, log: SqliteEventLog, group: str, topics: list[str]) -> None:
        self._log = log
        self._group = group
        self._topics = topics
        self._positions: dict[str, int] | None = None  # highest offset polled, per topic
        # Each topic takes its own index range scan; the union is then cut to the limit.
        scans = " UNION ALL ".join(
            "SELECT * FROM (SELECT id, topic, key, value, ts_ms FROM event_records"
            " WHERE topic = ? AND id > ? ORDER BY id LIMIT ?)"
            for _ in topics
        )
        self._select = f"{scans} ORDER BY id LIMIT ?"

    async def _load_positions(self, reader: aiosqlite.Connection) -> dict[str, int]:
        marks = ", ".join("?" * len(self._topics))
        rows = await reader.execute_fetchall(
            "SELECT topic, committed FROM event_commits"
            f" WHERE grp = ? AND part = 0 AND topic IN ({marks})",
            [self._group, *self._topics],
        )
        committed = {topic: offset for topic, offset in rows}
        return {topic: committed.get(topic, 0) for topic in self._topics}

    async def _fetch(self, max_records: int) -> list[Event]:
        _, reader = await self._log._connect()
        if self._positions is None:
            self._positions = await self._load_positions(reader)
        params: list[Any] = []
        for topic in self._topics:
            params += [topic, self._positions[topic], max_records]
        rows = await reader.execute_fetchall(self._select, [*params, max_records])
        events = [
            Event(topic, 0, offset, key, orjson.loads(value), ts_ms)
            for offset, topic, key, value, ts_ms in rows
        ]
        for event in events:
            self._positions[event.topic] = event.offset
        return events

    async def poll(self, *, max_records: int = 500, timeout_s: float = 1.0) -> list[Event]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            appended = self._log._appended  # taken before reading, so no append slips by
            events = await self._fetch(max_records)
            remaining = deadline - loop.time()
            if events or remaining <= 0:
                return events
            # Wakes on an append in this process; the timeout re-reads for other processes.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(appended.wait(), min(remaining, FALLBACK_POLL_S))

    async def commit(self) -> None:
        if self._positions is not None:  # None: nothing polled yet
            rows = [(self._group, topic, offset) for topic, offset in self._positions.items()]
            await self._log._write(UPSERT_COMMIT, rows)

    async def close(self) -> None:
        """Nothing to release: consumers share the log's connections."""

"""Where the time of ``GET /api/v1/videos/{id}`` goes: one video point read timed at each
layer, sequentially, in-process (no HTTP), on the embedded SQLite shards.

    .venv/bin/python bench/profile_reads.py [--ops 2000]

Seeds a fresh temp data dir through a short-lived ``foryou serve`` (4 users, 8 videos), stops
it, then times: raw sqlite3, aiosqlite, SQLAlchemy Core via the port's engine, the ORM
``session.get`` the service uses, the route's whole body (``require_visible`` + ``to_public``),
and, for comparison, a single-session join of the video and its author. It also counts the
aiosqlite thread round trips one route body makes.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import aiosqlite.core
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_api

from foryou.domains.accounts.models import User
from foryou.domains.videos import service
from foryou.domains.videos.models import Video
from foryou.platform import Platform
from foryou.settings import load_settings


async def timed(label: str, ops: int, fn: Callable[[int], Awaitable[Any]]) -> None:
    for i in range(min(50, ops)):  # warm pools and statement caches
        await fn(i)
    started = time.perf_counter()
    for i in range(ops):
        await fn(i)
    print(f"{label:58} {(time.perf_counter() - started) / ops * 1e6:9.1f} us/op")


async def measure(data_dir: Path, vids: list[int], ops: int) -> None:
    platform = Platform.open(load_settings(data_dir=data_dir))
    vid = vids[0]
    shard = platform.sql.shard_of(vid)
    db_file = platform.sql.urls[shard].split("///", 1)[1]
    try:
        raw = sqlite3.connect(db_file)

        async def raw_read(i: int) -> None:
            raw.execute("SELECT * FROM videos WHERE id = ?", (vid,)).fetchall()

        await timed("raw sqlite3: SELECT * FROM videos WHERE id = ?", ops, raw_read)
        raw.close()

        conn = await aiosqlite.connect(db_file)

        async def aio_read(i: int) -> None:
            async with conn.execute("SELECT * FROM videos WHERE id = ?", (vid,)) as cursor:
                await cursor.fetchall()

        await timed("aiosqlite: execute + fetchall (same query)", ops, aio_read)
        await conn.close()

        engine = platform.sql.engines[shard]
        table = Video.__table__

        async def core_read(i: int) -> None:
            async with engine.connect() as c:
                (await c.execute(select(table).where(table.c.id == vid))).all()

        await timed("SQLAlchemy Core on the port's engine (connect+select)", ops, core_read)

        async def orm_read(i: int) -> None:
            async with platform.sql.session(shard) as session:
                await session.get(Video, vid)

        await timed("SQLAlchemy ORM session.get(Video) (= service.get)", ops, orm_read)

        async def route_body(i: int) -> None:
            video = await service.require_visible(platform, vids[i % len(vids)], None)
            await service.to_public(platform, [video], None)

        await timed("route body: require_visible + to_public", ops, route_body)

        async def joined(i: int) -> None:
            async with platform.sql.session(shard) as session:
                query = select(Video, User).join(User, User.id == Video.author_id)
                (await session.execute(query.where(Video.id == vid))).first()

        await timed("one ORM session: video JOIN author (same shard)", ops, joined)

        calls: Counter[str] = Counter()
        original = aiosqlite.core.Connection._execute

        async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
            calls[getattr(fn, "__name__", "?")] += 1
            return await original(self, fn, *args, **kwargs)

        aiosqlite.core.Connection._execute = counted  # type: ignore[method-assign]
        try:
            for i in range(100):
                await route_body(i)
        finally:
            aiosqlite.core.Connection._execute = original  # type: ignore[method-assign]
        per = {name: n / 100 for name, n in sorted(calls.items())}
        print(f"aiosqlite thread round trips per route body: {sum(per.values()):.1f} {per}")
    finally:
        await platform.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=2000)
    args = parser.parse_args()
    if not 1 <= args.ops <= 100_000:
        parser.error("--ops must be in [1, 100000]")
    data_dir = Path(tempfile.mkdtemp(prefix="foryou-bench-reads-"))
    try:
        server = bench_api.Server(data_dir, bench_api.free_port(), 1)
        server.start()
        try:
            seeded = asyncio.run(bench_api.seed(server.url, 4, 8, 4))
        finally:
            server.stop()
        asyncio.run(measure(data_dir, [int(v) for v in seeded.video_ids], args.ops))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

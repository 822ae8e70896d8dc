"""Event-log port throughput per backend: append (batch 1 and 50, 1 and 8 concurrent
appenders) and consume (poll + commit by a new group reading the backlog), each against a
raw-driver baseline on the same rows.

    .venv/bin/python bench/bench_events.py [--duration 2] [--redis redis://127.0.0.1:6379/5]

Backends: sqlite (a fresh temp dir), redis (``--redis``; only the stream keys this run
creates are deleted afterwards, nothing else is touched), kafka (only when the
``FORYOU_TEST_KAFKA`` variable names a broker; otherwise skipped).

Baselines (the ratio column divides the port's events/s by them):
- sqlite append: raw ``sqlite3`` ``executemany`` of the same encoded rows into the same schema,
  all in one transaction (WAL, synchronous=NORMAL, like the port). An extra informational
  row commits every 50 rows, which is what a batch-50 append costs at the driver level.
- redis append: raw redis-py (sync) pipelines of ``XADD`` of the same fields, 1000 per
  round trip, no MULTI.
- consume: the raw driver reading the same backlog in pages of 1000 (sqlite: the SELECT the
  port runs plus ``orjson.loads``; redis: ``XREADGROUP COUNT 1000`` + ``XACK``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

from foryou.platform.events import EventLog, open_events

console = Console(width=160)
MAX_EVENTS_PER_CELL = 2_000_000  # a hard bound besides the duration
BASELINE_ROWS = 100_000
CONSUME_BATCH = 1000  # what the stream runner polls


@dataclass
class Row:
    backend: str
    operation: str
    batch: str
    appenders: str
    events: int
    seconds: float
    p50_ms: float | None = None
    p99_ms: float | None = None
    baseline: float | None = None  # events/s of the raw-driver baseline this row compares to

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def watch_value(i: int) -> dict[str, Any]:
    """A record shaped like what ``POST /api/v1/events`` appends to the ``watch`` topic."""
    now = int(time.time() * 1000)
    return {
        "type": "watch",
        "video_id": 7_000_000_000_000_000_001 + (i % 100),
        "watched_ms": 1000 + i % 5000,
        "duration_ms": 5000,
        "completed": False,
        "viewer": f"u:{1000 + i % 200}",
        "user_id": 1000 + i % 200,
        "ts_ms": now,
        "received_ms": now,
    }


def records(batch: int, start: int = 0) -> list[tuple[str, dict[str, Any]]]:
    return [(f"u:{1000 + (start + i) % 200}", watch_value(start + i)) for i in range(batch)]


def pct(sorted_ms: list[float], p: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, int(len(sorted_ms) * p / 100))] if sorted_ms else 0.0


async def append_cell(
    log: EventLog, topic: str, batch: int, appenders: int, duration: float
) -> tuple[int, float, list[float]]:
    """Appenders each loop append(topic, batch records) until the deadline."""
    payload = records(batch)
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + duration
    max_calls = MAX_EVENTS_PER_CELL // batch // appenders

    async def appender() -> None:
        for _ in range(max_calls):
            if time.perf_counter() >= deadline:
                return
            t0 = time.perf_counter()
            await log.append(topic, payload)
            latencies.append((time.perf_counter() - t0) * 1000)

    await asyncio.gather(*(appender() for _ in range(appenders)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return len(latencies) * batch, elapsed, latencies


async def consume_backlog(
    log: EventLog, topic: str, expected: int, timeout: float = 60
) -> tuple[int, float]:
    """A new group reads the whole backlog: poll(1000) + commit until it has everything."""
    consumer = log.consumer(f"bench-consume-{uuid.uuid4().hex[:8]}", [topic])
    total = 0
    started = time.perf_counter()
    try:
        while total < expected and time.perf_counter() - started < timeout:
            events = await consumer.poll(max_records=CONSUME_BATCH, timeout_s=0.5)
            if not events:
                break
            await consumer.commit()
            total += len(events)
    finally:
        await consumer.close()
    return total, time.perf_counter() - started


async def bench_backend(
    name: str,
    url: str,
    duration: float,
    topic: str,
    append_baseline: float,
    consume_baseline: Callable[[], float],
    cleanup: Callable[[], Awaitable[None]] | None = None,
) -> list[Row]:
    rows: list[Row] = []
    log = open_events(url)
    try:
        await log.append(topic, records(1))  # connect and create what the backend needs
        appended = 1
        for batch in (1, 50):
            for appenders in (1, 8):
                events, seconds, lat = await append_cell(log, topic, batch, appenders, duration)
                appended += events
                rows.append(
                    Row(
                        name,
                        "append",
                        str(batch),
                        str(appenders),
                        events,
                        seconds,
                        pct(lat, 50),
                        pct(lat, 99),
                        append_baseline,
                    )
                )
        got, seconds = await consume_backlog(log, topic, appended)
        if got != appended:
            console.print(f"[red]{name}: consumed {got} of {appended} appended events[/red]")
        base = consume_baseline()
        rows.append(
            Row(
                name,
                f"consume (poll {CONSUME_BATCH} + commit)",
                "-",
                "1 group",
                got,
                seconds,
                baseline=base,
            )
        )
    finally:
        await log.close()
        if cleanup is not None:
            await cleanup()
    return rows


# --------------------------------------------------------------------------- baselines


SQLITE_SCHEMA = """
CREATE TABLE event_records (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL,
    key TEXT NOT NULL, value BLOB NOT NULL, ts_ms INTEGER NOT NULL);
CREATE INDEX event_records_topic ON event_records (topic);
"""


def sqlite_raw_rows(n: int) -> list[tuple[str, str, bytes, int]]:
    ts = int(time.time() * 1000)
    return [("watch", key, orjson.dumps(value), ts) for key, value in records(n)]


def sqlite_append_baselines(directory: Path) -> tuple[float, float, Path]:
    """(one transaction events/s, a transaction per 50 rows events/s, the db it filled)."""
    rows = sqlite_raw_rows(BASELINE_ROWS)
    results = []
    path = directory / "raw.db"
    for per_txn in (len(rows), 50):
        db = directory / f"raw-{per_txn}.db"
        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(SQLITE_SCHEMA)
        insert = "INSERT INTO event_records (topic, key, value, ts_ms) VALUES (?, ?, ?, ?)"
        started = time.perf_counter()
        for i in range(0, len(rows), per_txn):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(insert, rows[i : i + per_txn])
            conn.execute("COMMIT")
        results.append(len(rows) / (time.perf_counter() - started))
        conn.close()
        if per_txn == len(rows):
            path = db
    return results[0], results[1], path


def sqlite_consume_baseline(db: Path) -> float:
    conn = sqlite3.connect(db, isolation_level=None)
    select = (
        "SELECT id, topic, key, value, ts_ms FROM event_records WHERE topic = ? AND id > ?"
        " ORDER BY id LIMIT ?"
    )
    last, total = 0, 0
    started = time.perf_counter()
    while total < BASELINE_ROWS:
        page = conn.execute(select, ("watch", last, CONSUME_BATCH)).fetchall()
        if not page:
            break
        decoded = [orjson.loads(value) for _, _, _, value, _ in page]
        total += len(decoded)
        last = page[-1][0]
    elapsed = time.perf_counter() - started
    conn.close()
    return total / elapsed


def redis_baselines(url: str, key: str) -> tuple[float, Callable[[], float]]:
    import redis

    client = redis.Redis.from_url(url)
    fields: list[dict[Any, Any]] = [
        {"k": k, "v": orjson.dumps(v)} for k, v in records(BASELINE_ROWS)
    ]
    started = time.perf_counter()
    for i in range(0, len(fields), 1000):
        pipe = client.pipeline(transaction=False)
        for f in fields[i : i + 1000]:
            pipe.xadd(key, f)
        pipe.execute()
    append_rate = len(fields) / (time.perf_counter() - started)

    def consume() -> float:
        group = "bench-raw"
        client.xgroup_create(key, group, id="0")
        total = 0
        t0 = time.perf_counter()
        while total < BASELINE_ROWS:
            reply: Any = client.xreadgroup(group, "m", {key: ">"}, count=CONSUME_BATCH)
            if not reply:
                break
            entries = reply[0][1]
            decoded = [orjson.loads(f[b"v"]) for _, f in entries]
            client.xack(key, group, *[entry_id for entry_id, _ in entries])
            total += len(decoded)
        rate = total / (time.perf_counter() - t0)
        client.close()
        return rate

    return append_rate, consume


# --------------------------------------------------------------------------- main


async def run(args: argparse.Namespace) -> list[Row]:
    rows: list[Row] = []
    run_id = uuid.uuid4().hex[:10]

    # sqlite
    tmp = Path(tempfile.mkdtemp(prefix="foryou-bench-events-"))
    try:
        console.print("sqlite: raw baselines ...")
        one_txn, per_50, raw_db = sqlite_append_baselines(tmp)
        consume_base = sqlite_consume_baseline(raw_db)
        rows.append(
            Row(
                "sqlite",
                "raw sqlite3 executemany, 1 txn (baseline)",
                str(BASELINE_ROWS),
                "1",
                BASELINE_ROWS,
                BASELINE_ROWS / one_txn,
                baseline=one_txn,
            )
        )
        rows.append(
            Row(
                "sqlite",
                "raw sqlite3 executemany, 1 txn per 50 rows (info)",
                "50",
                "1",
                BASELINE_ROWS,
                BASELINE_ROWS / per_50,
                baseline=one_txn,
            )
        )
        console.print("sqlite: port ...")
        rows += await bench_backend(
            "sqlite",
            f"sqlite:///{tmp}/events.db",
            args.duration,
            "watch",
            one_txn,
            lambda: consume_base,
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    # redis
    import redis.asyncio as aioredis

    topic = f"bench-{run_id}"
    port_key = f"foryou:events:{topic}"  # the port's key for this topic
    raw_key = f"foryou:bench:{run_id}:raw"

    async def delete_keys() -> None:
        client = aioredis.from_url(args.redis)
        try:
            await client.delete(port_key, raw_key)
        finally:
            await client.aclose()

    try:
        probe = aioredis.from_url(args.redis)
        try:
            await probe.ping()
        finally:
            await probe.aclose()
    except Exception as exc:
        console.print(f"redis: skipped ({exc})")
    else:
        try:
            console.print("redis: raw baselines ...")
            append_base, consume_base_fn = redis_baselines(args.redis, raw_key)
            rows.append(
                Row(
                    "redis",
                    "raw redis-py pipeline XADD x1000 (baseline)",
                    str(BASELINE_ROWS),
                    "1",
                    BASELINE_ROWS,
                    BASELINE_ROWS / append_base,
                    baseline=append_base,
                )
            )
            console.print("redis: port ...")
            rows += await bench_backend(
                "redis", args.redis, args.duration, topic, append_base, consume_base_fn
            )
        finally:
            await delete_keys()

    # kafka
    kafka = os.environ.get("FORYOU_TEST_KAFKA")
    if not kafka:
        console.print("kafka: skipped: set FORYOU_TEST_KAFKA")
    else:
        console.print("kafka: port (no raw baseline) ...")
        url = kafka if kafka.startswith("kafka://") else f"kafka://{kafka}"
        rows += await bench_backend(
            "kafka", url, args.duration, f"bench-{run_id}", 0.0, lambda: 0.0
        )
    return rows


def _machine_busy() -> float:
    """CPU seconds the whole machine spent busy, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=2.0, help="seconds per append cell")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/5")
    args = parser.parse_args()
    if not 0 < args.duration <= 30:
        parser.error("--duration must be in (0, 30] seconds")
    busy0, self0, wall0 = _machine_busy(), _self_cpu(), time.time()
    rows = asyncio.run(run(args))
    wall = time.time() - wall0
    others = max(0.0, (_machine_busy() - busy0) - (_self_cpu() - self0)) / wall
    table = Table(title=f"event log port throughput ({args.duration:g} s per append cell)")
    for col in (
        "backend",
        "operation",
        "batch",
        "appenders",
        "events",
        "s",
        "events/s",
        "p50 ms/call",
        "p99 ms/call",
        "baseline ev/s",
        "ratio",
    ):
        table.add_column(col, justify="left" if col in ("backend", "operation") else "right")
    for r in rows:
        table.add_row(
            r.backend,
            r.operation,
            r.batch,
            r.appenders,
            f"{r.events:,}",
            f"{r.seconds:.2f}",
            f"{r.rate:,.0f}",
            "-" if r.p50_ms is None else f"{r.p50_ms:.2f}",
            "-" if r.p99_ms is None else f"{r.p99_ms:.2f}",
            f"{r.baseline:,.0f}" if r.baseline else "-",
            f"{r.rate / r.baseline:.3f}" if r.baseline else "-",
        )
    console.print(table)
    console.print(
        f"{os.cpu_count()} CPUs; this process used {(_self_cpu() - self0) / wall:.2f} cores "
        f"on average, everything else on the machine (redis-server included) {others:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

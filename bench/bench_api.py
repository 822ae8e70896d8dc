"""HTTP benchmark of a real ``foryou serve``: watch-event ingestion, likes, video reads.

    .venv/bin/python bench/bench_api.py [--duration 10] [--workers 1]

What it does, in order (every loop is bounded in time and count; all traffic is on
127.0.0.1):

1. In-process baseline: the same 50-event watch batches appended straight to the event log
   port (``SqliteEventLog`` in a temp dir, no HTTP), before any server runs.
2. Starts ``foryou serve`` on a free port in a fresh temp data dir (with ``--workers N > 1``
   also ``foryou migrate`` first and ``foryou stream`` beside it, as the CLI requires), and
   waits for ``/healthz``.
3. Seeds users (sign-up) and videos (multipart upload of a real MP4), waits until all are
   ``ready``.
4. Load phases, each ``--duration`` seconds, driven by ``wrk`` (C, one Lua script that replays
   prepared requests, see bench/wrk/requests.lua) or, if wrk is not installed or
   ``--loadgen python`` is given, by a separate Python process using httpx:
   - ``POST /api/v1/events`` with batches of 50 watch events (tokens rotated over users);
   - ``PUT /api/v1/videos/{id}/like`` over distinct (user, video) pairs;
   - ``GET /api/v1/videos/{id}`` at 50 connections (rotating over the seeded videos);
   - ``GET /healthz`` at the same concurrency: the framework's floor.
5. Correctness: the video's ``counts.views`` must converge to the number of watch events
   the server accepted (rows in the ``watch`` topic of the event log), and the likes
   counters to the number of ``like.added`` events; it prints how long each took.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

BENCH_DIR = Path(__file__).resolve().parent
LUA_SCRIPT = BENCH_DIR / "wrk" / "requests.lua"
SAMPLE_MP4 = Path("/work/shared/data/media-samples/androidx__sample_video_only.mp4")
FORYOU = Path(sys.executable).with_name("foryou")
EVENTS_TARGET = 2000.0  # events/s
GET_P99_TARGET_MS = 20.0

console = Console(width=170)


# --------------------------------------------------------------------------- results


@dataclass
class LoadResult:
    """One load phase, as measured by the load generator."""

    requests: int
    duration_s: float
    errors: int  # non-2xx answers + socket errors + timeouts
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    raw: dict[str, Any] = field(default_factory=dict)
    server_cores: float = 0.0  # server CPU seconds / wall seconds during the phase
    loadgen_cores: float = 0.0
    other_cores: float = 0.0  # everything else on the machine (noise from other processes)

    @property
    def ok(self) -> int:
        return self.requests - self.errors

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LoadResult:
        errors = sum(
            int(data.get(k, 0))
            for k in ("err_connect", "err_read", "err_write", "err_status", "err_timeout")
        )
        return cls(
            requests=int(data["requests"]),
            duration_s=data["duration_us"] / 1e6,
            errors=errors,
            p50_ms=data["p50_us"] / 1000,
            p95_ms=data["p95_us"] / 1000,
            p99_ms=data["p99_us"] / 1000,
            max_ms=data["max_us"] / 1000,
            raw=data,
        )


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(pct / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


# --------------------------------------------------------------------------- load generators


def write_requests(path: Path, lines: list[tuple[str, str, str, str, str]]) -> Path:
    """The request list both load generators replay: METHOD, PATH, TOKEN, CTYPE, BODY."""
    with path.open("w") as out:
        for fields in lines:
            assert all("\t" not in f and "\n" not in f for f in fields)
            out.write("\t".join(fields) + "\n")
    return path


def run_wrk(
    base_url: str, requests_file: Path, *, connections: int, threads: int, duration: float
) -> LoadResult:
    cmd = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{duration:g}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(LUA_SCRIPT),
        base_url,
        "--",
        str(requests_file),
        str(threads),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    for line in proc.stdout.splitlines():
        if line.startswith("BENCHJSON "):
            return LoadResult.from_json(json.loads(line.removeprefix("BENCHJSON ")))
    raise RuntimeError(f"wrk gave no result (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


def run_python_loadgen(
    base_url: str, requests_file: Path, *, connections: int, duration: float
) -> LoadResult:
    """The fallback: this same file in ``--_loadgen`` mode, as a separate process."""
    cmd = [
        sys.executable,
        __file__,
        "--_loadgen",
        base_url,
        str(requests_file),
        str(connections),
        str(duration),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    for line in proc.stdout.splitlines():
        if line.startswith("BENCHJSON "):
            return LoadResult.from_json(json.loads(line.removeprefix("BENCHJSON ")))
    raise RuntimeError(f"loadgen gave no result (rc {proc.returncode}):\n{proc.stderr}")


async def _loadgen_main(
    base_url: str, requests_file: str, connections: int, duration: float
) -> None:
    prepared = []
    for line in Path(requests_file).read_text().splitlines():
        if not line:
            continue
        method, path, token, ctype, body = line.split("\t")
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if ctype:
            headers["Content-Type"] = ctype
        prepared.append((method, path, headers, body.encode() if body else None))
    latencies: list[float] = []
    counts = {"requests": 0, "err_status": 0, "err_read": 0}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=10) as client:
        started = time.perf_counter()
        deadline = started + duration

        async def worker(index: int) -> None:
            i = index
            while time.perf_counter() < deadline and counts["requests"] < 10_000_000:
                method, path, headers, body = prepared[i % len(prepared)]
                i += connections
                t0 = time.perf_counter()
                try:
                    response = await client.request(method, path, headers=headers, content=body)
                    if response.status_code >= 400:
                        counts["err_status"] += 1
                except httpx.HTTPError:
                    counts["err_read"] += 1
                latencies.append(time.perf_counter() - t0)
                counts["requests"] += 1

        await asyncio.gather(*(worker(i) for i in range(connections)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    us = [x * 1e6 for x in latencies]
    print(
        "BENCHJSON "
        + json.dumps(
            {
                **counts,
                "duration_us": elapsed * 1e6,
                "bytes": 0,
                "err_connect": 0,
                "err_write": 0,
                "err_timeout": 0,
                "p50_us": percentile(us, 50),
                "p95_us": percentile(us, 95),
                "p99_us": percentile(us, 99),
                "max_us": us[-1] if us else 0,
                "mean_us": sum(us) / len(us) if us else 0,
            }
        )
    )


# --------------------------------------------------------------------------- cpu accounting


CLK_TCK = os.sysconf("SC_CLK_TCK")


def group_cpu_seconds(pgids: set[int]) -> float:
    """user+system CPU seconds of every live process in these process groups."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        if int(fields[2]) in pgids:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_busy_seconds() -> float:
    """CPU seconds all processes on the machine spent busy (from /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / CLK_TCK


def self_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "FORYOU_DATA_DIR": str(data_dir),
            "FORYOU_RATE_LIMIT_CLIENT_PER_MINUTE": "100000000",
            "FORYOU_RATE_LIMIT_USER_PER_MINUTE": "100000000",
            "FORYOU_RATE_LIMIT_AUTH_PER_MINUTE": "100000",
            "FORYOU_LOG_LEVEL": "WARNING",
        }
    )
    return env


class Server:
    """``foryou serve`` (plus ``foryou stream`` when workers > 1) as child processes."""

    def __init__(self, data_dir: Path, port: int, workers: int) -> None:
        self.data_dir, self.port, self.workers = data_dir, port, workers
        self.procs: list[subprocess.Popen[bytes]] = []
        self.log_path = data_dir / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, args: list[str]) -> subprocess.Popen[bytes]:
        log = self.log_path.open("ab")
        proc = subprocess.Popen(
            [str(FORYOU), *args],
            env=server_env(self.data_dir),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def start(self) -> None:
        if self.workers > 1:
            # N workers would each migrate the same SQLite shards at start; do it once first.
            subprocess.run(
                [str(FORYOU), "migrate", "--data-dir", str(self.data_dir)],
                env=server_env(self.data_dir),
                check=True,
                capture_output=True,
                timeout=120,
            )
        self._spawn(
            [
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
                "--workers",
                str(self.workers),
            ]
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.procs[0].poll() is not None:
                raise RuntimeError(
                    f"server exited early; see {self.log_path}:\n"
                    + self.log_path.read_text()[-3000:]
                )
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("server did not answer /healthz within 60 s")
        if self.workers > 1:
            self._spawn(["stream", "--data-dir", str(self.data_dir)])

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGINT)  # the group of a child we started
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)


# --------------------------------------------------------------------------- event log reads


class LogReader:
    """Counts records in the server's SQLite event log: what the server accepted."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "events.db"

    def _count(self, sql: str) -> int:
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            return int(conn.execute(sql).fetchone()[0])
        finally:
            conn.close()

    def watch(self) -> int:
        return self._count("SELECT count(*) FROM event_records WHERE topic = 'watch'")

    def likes_added(self) -> int:
        return self._count(
            "SELECT count(*) FROM event_records WHERE topic = 'interactions' "
            "AND json_extract(CAST(value AS TEXT), '$.type') = 'like.added'"
        )


# --------------------------------------------------------------------------- seeding


@dataclass
class Seed:
    tokens: list[str]
    video_ids: list[str]
    seconds: float


async def seed(base: str, users: int, videos: int, uploaders: int) -> Seed:
    started = time.perf_counter()
    stamp = int(time.time()) % 100000
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        gate = asyncio.Semaphore(8)

        async def signup(i: int) -> str:
            async with gate:
                r = await client.post(
                    "/api/v1/auth/signup",
                    json={"username": f"bench{stamp}_{i}", "password": "benchmark-password"},
                )
                r.raise_for_status()
                return str(r.json()["access_token"])

        tokens = list(await asyncio.gather(*(signup(i) for i in range(users))))
        data = SAMPLE_MP4.read_bytes()

        async def upload(i: int) -> str:
            async with gate:
                r = await client.post(
                    "/api/v1/videos",
                    headers={"Authorization": f"Bearer {tokens[i % uploaders]}"},
                    files={"file": ("clip.mp4", data, "video/mp4")},
                    data={"caption": f"bench video {i} #bench"},
                )
                r.raise_for_status()
                return str(r.json()["id"])

        video_ids = list(await asyncio.gather(*(upload(i) for i in range(videos))))
        deadline = time.monotonic() + 30
        pending = set(video_ids)
        while pending and time.monotonic() < deadline:
            for vid in list(pending):
                r = await client.get(f"/api/v1/videos/{vid}")
                if r.status_code == 200 and r.json()["status"] == "ready":
                    pending.discard(vid)
            if pending:
                await asyncio.sleep(0.05)
        if pending:
            raise RuntimeError(f"{len(pending)} videos not ready after 30 s")
    return Seed(tokens, video_ids, time.perf_counter() - started)


# --------------------------------------------------------------------------- workloads


def watch_batch(video_id: str, size: int) -> list[dict[str, Any]]:
    return [
        {
            "type": "watch",
            "video_id": video_id,
            "watched_ms": 1000 + i,
            "duration_ms": 5000,
            "completed": False,
        }
        for i in range(size)
    ]


async def inprocess_baseline(duration: float, batch: int, concurrency: int) -> dict[str, float]:
    """The same batches (as ``ingest_watch`` builds them) appended to the event log port."""
    from foryou.platform.events import open_events

    tmp = Path(tempfile.mkdtemp(prefix="foryou-bench-log-"))
    log = open_events(f"sqlite:///{tmp}/events.db")
    now_ms = int(time.time() * 1000)
    video_id = 7_000_000_000_000_000_001
    records = [
        (
            f"u:{1000 + i}",
            {
                **e,
                "video_id": video_id,
                "viewer": f"u:{1000 + i}",
                "user_id": 1000 + i,
                "ts_ms": now_ms,
                "received_ms": now_ms,
            },
        )
        for i, e in enumerate(watch_batch(str(video_id), batch))
    ]
    latencies: list[float] = []
    try:
        await log.append("watch", records[:1])  # open connections, create the schema
        started = time.perf_counter()
        deadline = started + duration

        async def appender() -> None:
            count = 0
            while time.perf_counter() < deadline and count < 1_000_000:
                t0 = time.perf_counter()
                await log.append("watch", records)
                latencies.append(time.perf_counter() - t0)
                count += 1

        await asyncio.gather(*(appender() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    finally:
        await log.close()
        shutil.rmtree(tmp, ignore_errors=True)
    latencies.sort()
    ms = [x * 1000 for x in latencies]
    return {
        "events_per_s": len(latencies) * batch / elapsed,
        "p50_ms": percentile(ms, 50),
        "p99_ms": percentile(ms, 99),
        "batches": len(latencies),
        "seconds": elapsed,
    }


def wait_until(check: Any, since: float, timeout: float, interval: float = 0.02) -> float | None:
    """Seconds from ``since`` (a perf_counter reading) until ``check()`` was first seen
    true, or None if it was not within ``timeout`` seconds of ``since``."""
    while True:
        if check():
            return time.perf_counter() - since
        if time.perf_counter() - since > timeout:
            return None
        time.sleep(interval)


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds per load phase")
    parser.add_argument("--workers", type=int, default=1, help="foryou serve --workers")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--videos", type=int, default=100)
    parser.add_argument("--batch", type=int, default=50, help="watch events per POST")
    parser.add_argument("--event-connections", type=int, default=16)
    parser.add_argument("--like-connections", type=int, default=16)
    parser.add_argument("--get-connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--keep", action="store_true", help="keep the temp data dir")
    args = parser.parse_args()
    if args.duration <= 0 or args.duration > 120:
        parser.error("--duration must be in (0, 120] seconds")

    use_wrk = args.loadgen == "wrk" or (args.loadgen == "auto" and shutil.which("wrk"))
    loadgen = "wrk (C, 1 Lua script)" if use_wrk else "python httpx (separate process)"

    def load(base: str, file: Path, connections: int) -> LoadResult:
        pgids = {p.pid for p in server.procs}
        server0, gen0, wall0 = group_cpu_seconds(pgids), children_cpu_seconds(), time.time()
        busy0, self0 = machine_busy_seconds(), self_cpu_seconds()
        if use_wrk:
            result = run_wrk(
                base, file, connections=connections, threads=args.threads, duration=args.duration
            )
        else:
            result = run_python_loadgen(base, file, connections=connections, duration=args.duration)
        wall = time.time() - wall0
        result.server_cores = (group_cpu_seconds(pgids) - server0) / wall
        result.loadgen_cores = (children_cpu_seconds() - gen0) / wall
        others = (
            (machine_busy_seconds() - busy0)
            - (self_cpu_seconds() - self0)
            - (group_cpu_seconds(pgids) - server0)
            - (children_cpu_seconds() - gen0)
        )
        result.other_cores = max(0.0, others / wall)
        return result

    console.print(
        f"[bold]foryou API benchmark[/bold]: workers={args.workers}, "
        f"duration={args.duration:g}s per phase, load generator: {loadgen}, "
        f"{os.cpu_count()} CPUs, load average at start {loadavg()}"
    )
    console.print("in-process baseline: event log port, no HTTP ...")
    baseline = asyncio.run(
        inprocess_baseline(min(args.duration, 5), args.batch, args.event_connections)
    )

    data_dir = Path(tempfile.mkdtemp(prefix="foryou-bench-"))
    server = Server(data_dir, free_port(), args.workers)
    rows: dict[str, LoadResult] = {}
    checks: list[tuple[str, str, str, str]] = []
    try:
        server.start()
        base = server.url
        console.print(
            f"server up at {base} (data in {data_dir}); seeding "
            f"{args.users} users and {args.videos} videos ..."
        )
        seeded = asyncio.run(seed(base, args.users, args.videos, uploaders=10))
        console.print(f"seeded in {seeded.seconds:.1f} s")
        tokens, vids = seeded.tokens, seeded.video_ids
        target_video = vids[0]
        log = LogReader(data_dir)
        client = httpx.Client(base_url=base, timeout=10)

        def video(vid: str) -> dict[str, Any]:
            r = client.get(f"/api/v1/videos/{vid}")
            r.raise_for_status()
            return dict(r.json())

        # ---- watch events
        body = json.dumps({"events": watch_batch(target_video, args.batch)}, separators=(",", ":"))
        events_file = write_requests(
            data_dir / "req-events.tsv",
            [("POST", "/api/v1/events", t, "application/json", body) for t in tokens],
        )
        watch_before = log.watch()
        console.print("phase: POST /api/v1/events ...")
        rows["events"] = load(base, events_file, args.event_connections)
        ended = time.perf_counter()

        def views_caught_up() -> bool:  # re-reads the log: a request in flight at the end
            return int(video(target_video)["counts"]["views"]) == log.watch() - watch_before

        lag_s = wait_until(views_caught_up, ended, 30)
        accepted = log.watch() - watch_before
        views = int(video(target_video)["counts"]["views"])
        client_ok = rows["events"].ok * args.batch
        checks.append(
            (
                "views == watch events in log",
                f"{accepted:,}",
                f"{views:,}",
                "n/a (no convergence in 30 s)"
                if lag_s is None
                else f"{lag_s:.2f} s after load stopped",
            )
        )
        checks.append(
            (
                "watch events acknowledged (202 x batch)",
                f"{client_ok:,}",
                f"{accepted:,} in log",
                "log >= acked: ok" if accepted >= client_ok else "LOST EVENTS",
            )
        )

        # ---- likes
        pairs = []
        for k in range(len(tokens) * len(vids)):  # consecutive likes hit different videos
            vid, tok = vids[k % len(vids)], tokens[(k // len(vids)) % len(tokens)]
            pairs.append(("PUT", f"/api/v1/videos/{vid}/like", tok, "", ""))
        likes_file = write_requests(data_dir / "req-likes.tsv", pairs)
        likes_before = log.likes_added()
        console.print("phase: PUT /api/v1/videos/{id}/like ...")
        rows["likes"] = load(base, likes_file, args.like_connections)
        ended = time.perf_counter()

        def like_total() -> int:
            return sum(int(video(v)["counts"]["likes"]) for v in vids)

        lag_s = wait_until(
            lambda: like_total() == log.likes_added() - likes_before, ended, 30, interval=0.05
        )
        new_likes = log.likes_added() - likes_before
        checks.append(
            (
                "sum of counts.likes == like.added in log",
                f"{new_likes:,}",
                f"{like_total():,}",
                "n/a (no convergence in 30 s)"
                if lag_s is None
                else f"{lag_s:.2f} s after load stopped",
            )
        )
        if rows["likes"].requests > len(pairs):
            checks.append(
                (
                    "like pairs exhausted",
                    f"{len(pairs):,}",
                    f"{rows['likes'].requests:,} sent",
                    "repeats were no-ops",
                )
            )

        # ---- reads
        gets_file = write_requests(
            data_dir / "req-get.tsv", [("GET", f"/api/v1/videos/{v}", "", "", "") for v in vids]
        )
        console.print("phase: GET /api/v1/videos/{id} ...")
        rows["get"] = load(base, gets_file, args.get_connections)
        health_file = write_requests(data_dir / "req-health.tsv", [("GET", "/healthz", "", "", "")])
        console.print("phase: GET /healthz ...")
        rows["healthz"] = load(base, health_file, args.get_connections)

        final_views = int(video(target_video)["counts"]["views"])
        checks.append(
            (
                "views at the end (no drift)",
                f"{log.watch() - watch_before:,}",
                f"{final_views:,}",
                "ok" if final_views == accepted else "MISMATCH",
            )
        )
        client.close()
    finally:
        server.stop()
        if args.keep:
            console.print(f"kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)

    # ---- report
    ev, lk, gv, hz = rows["events"], rows["likes"], rows["get"], rows["healthz"]
    ev_rate = ev.ok * args.batch / ev.duration_s
    lk_rate = lk.ok / lk.duration_s
    table = Table(
        title=f"foryou API: workers={args.workers}, {args.duration:g} s per phase, "
        f"load generator {loadgen}",
        caption="CPU columns: cores busy on average during the phase (server "
        "processes / load generator / everything else on the machine)",
    )
    for col in (
        "workload",
        "conns",
        "requests",
        "errors",
        "req/s",
        "items/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "server CPU",
        "loadgen CPU",
        "other CPU",
        "target",
        "met",
    ):
        table.add_column(col, justify="left" if col in ("workload", "target") else "right")

    def cpu(r: LoadResult) -> tuple[str, str, str]:
        return f"{r.server_cores:.2f}", f"{r.loadgen_cores:.2f}", f"{r.other_cores:.2f}"

    table.add_row(
        f"POST /api/v1/events (batch {args.batch})",
        str(args.event_connections),
        f"{ev.requests:,}",
        str(ev.errors),
        f"{ev.rps:,.0f}",
        f"{ev_rate:,.0f} ev/s",
        f"{ev.p50_ms:.1f}",
        f"{ev.p95_ms:.1f}",
        f"{ev.p99_ms:.1f}",
        *cpu(ev),
        ">= 2,000 ev/s",
        "yes" if ev_rate >= EVENTS_TARGET and ev.errors == 0 else "NO",
    )
    table.add_row(
        "PUT /api/v1/videos/{id}/like",
        str(args.like_connections),
        f"{lk.requests:,}",
        str(lk.errors),
        f"{lk.rps:,.0f}",
        f"{lk_rate:,.0f} likes/s",
        f"{lk.p50_ms:.1f}",
        f"{lk.p95_ms:.1f}",
        f"{lk.p99_ms:.1f}",
        *cpu(lk),
        "-",
        "-",
    )
    table.add_row(
        "GET /api/v1/videos/{id}",
        str(args.get_connections),
        f"{gv.requests:,}",
        str(gv.errors),
        f"{gv.rps:,.0f}",
        "-",
        f"{gv.p50_ms:.1f}",
        f"{gv.p95_ms:.1f}",
        f"{gv.p99_ms:.1f}",
        *cpu(gv),
        "p99 < 20 ms",
        "yes" if gv.p99_ms < GET_P99_TARGET_MS and gv.errors == 0 else "NO",
    )
    table.add_row(
        "GET /healthz (floor)",
        str(args.get_connections),
        f"{hz.requests:,}",
        str(hz.errors),
        f"{hz.rps:,.0f}",
        "-",
        f"{hz.p50_ms:.1f}",
        f"{hz.p95_ms:.1f}",
        f"{hz.p99_ms:.1f}",
        *cpu(hz),
        "-",
        "-",
    )
    console.print(table)

    ratios = Table(title="against the baselines of the same run")
    for col in ("measure", "foryou", "baseline", "baseline is", "ratio"):
        ratios.add_column(
            col, justify="right" if col in ("foryou", "baseline", "ratio") else "left"
        )
    ratios.add_row(
        "watch events/s",
        f"{ev_rate:,.0f}",
        f"{baseline['events_per_s']:,.0f}",
        f"the same batches appended to the SQLite event log port in-process, "
        f"{args.event_connections} tasks, no HTTP (per batch p50 "
        f"{baseline['p50_ms']:.2f} ms, p99 {baseline['p99_ms']:.2f} ms)",
        f"{ev_rate / baseline['events_per_s']:.3f}",
    )
    ratios.add_row(
        "GET video req/s",
        f"{gv.rps:,.0f}",
        f"{hz.rps:,.0f}",
        f"GET /healthz, same {args.get_connections} connections",
        f"{gv.rps / hz.rps:.3f}",
    )
    ratios.add_row(
        "GET video p99 ms",
        f"{gv.p99_ms:.1f}",
        f"{hz.p99_ms:.1f}",
        "GET /healthz p99",
        f"{gv.p99_ms / hz.p99_ms:.1f}x",
    )
    ratios.add_row(
        "like req/s",
        f"{lk.rps:,.0f}",
        f"{hz.rps:,.0f}",
        "GET /healthz (no closer floor measured)",
        f"{lk.rps / hz.rps:.3f}",
    )
    console.print(ratios)

    check_table = Table(title="correctness after ingestion")
    for col in ("check", "expected", "observed", "result / catch-up time"):
        check_table.add_column(col)
    for row in checks:
        check_table.add_row(*row)
    console.print(check_table)
    console.print(
        f"seeding: {args.users} users + {args.videos} videos in {seeded.seconds:.1f} s; "
        f"load average at the end {loadavg()}"
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--_loadgen":
        asyncio.run(_loadgen_main(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])))
        sys.exit(0)
    sys.exit(main())

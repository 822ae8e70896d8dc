"""For You at scale: a synthetic catalog and audience, served all-in-one by one process.

    .venv/bin/python bench/bench_feed.py [--videos 1000000] [--users 100000] [--duration 30]

What it does, in order:

1. Starts the app on the embedded defaults (SQLite shards, in-process kv, faiss HNSW, SQLite
   event log, stream processors embedded) in a thread of this process, on a free loopback port.
   The media worker is off: no video is transcoded; rows say ``ready`` with playback keys.
2. Builds the world, reproducibly from ``--seed``: ``--topics`` topics (a hashtag and a
   centre each), ``--videos / 50`` creators with a home topic, ``--videos`` ready videos
   spread over the last 30 days (video i: its creator's topic 80 % of the time, a vector near
   that topic's centre in a 24-dimensional latent space projected to 384), and ``--users``
   viewers with two favourite topics, a history of watches (geometric, mean ``--history``),
   likes and follows.
   - SQL rows (users, videos, likes, follows) are bulk-inserted into the shards;
   - the feature store is filled by the real stream processors' ``apply`` (catalog, features),
     fed the synthetic ``videos``/``watch``/``interactions`` events in batches;
   - item vectors go into the app's vectors port in chunks (stand-ins for caption embeddings:
     embedding 1M captions with MiniLM would take ~35 min here and measure nothing new).
3. ANN recall@100: for sampled viewers, the pipeline's own viewer vector searched in the index
   and by brute force over all item vectors (regenerated chunk by chunk from the seed).
4. Pipeline latency by stage: ``FOR_YOU.run`` in-process for sampled viewers, one at a time.
5. HTTP: ``GET /api/v1/feed?limit=10`` as random viewers (bearer tokens), from a separate
   process: open loop at ``--rate`` requests/s (latency counted from the scheduled send, so
   a slow server cannot hide queueing), then closed loop with wrk for maximum throughput.
   The open loop also reports the server loop's stalls over 40 ms, the garbage collections
   over 20 ms, and the stacks the loop's thread was on while stalled (``loop_stalls.py``).
6. Freshness: a completed watch posted to ``POST /api/v1/events``, and the time until the
   viewer's history in kv shows it, idle and under the ``--rate`` load.
7. Memory: this process's RSS (and peak) after building and after the load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import numpy as np
import sqlalchemy as sa
import uvicorn
from bench_api import LoadResult, free_port, percentile, run_wrk, write_requests
from loop_stalls import LoopStalls
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from foryou.app import create_app
from foryou.domains.accounts.models import User
from foryou.domains.interactions.models import FollowOut, Like
from foryou.domains.videos.models import Video
from foryou.gateway.tokens import Principal, encode_access
from foryou.ids import EPOCH_MS, LOW_BITS, SEQUENCE_BITS, SHARD_BITS, logical_shard_of_name
from foryou.platform import Platform
from foryou.platform.events import Event
from foryou.rec import ann
from foryou.rec.pipeline import FeedContext
from foryou.rec.products import FOR_YOU
from foryou.settings import Settings
from foryou.stream import catalog, features, topics

console = Console(width=150)
T = TypeVar("T")

DIM = 384
LATENT = 24  # the vectors' intrinsic dimension
CHUNK = 50_000
BENCH_WORKER = 62  # the ID worker bits of every synthetic row (the app's own use 0..61 first)
# Synthetic events are applied under a partition no real log has, so the processors'
# watermarks for the real partitions stay untouched.
SEED_PARTITION = 1 << 30
FEED_P99_TARGET_MS, THROUGHPUT_TARGET, RSS_TARGET_GB, FRESH_P99_TARGET_MS = 50, 300, 4.0, 1000


# --------------------------------------------------------------------------- the world


@dataclass
class World:
    rng: np.random.Generator
    seed: int
    topics: int
    centroids: np.ndarray  # topics x LATENT
    projection: np.ndarray  # LATENT x DIM
    video_ids: np.ndarray  # int64, index i -> id
    video_topic: np.ndarray
    video_creator: np.ndarray  # creator index
    creator_ids: np.ndarray
    creator_topic: np.ndarray
    user_ids: np.ndarray
    user_topics: np.ndarray  # users x 2
    by_topic: list[np.ndarray]  # topic -> video indexes, most popular first

    def vectors(self, start: int, stop: int) -> np.ndarray:
        """Item vectors [start, stop), the same on every call (one generator per chunk).

        Text embeddings have a low intrinsic dimension; so do these: a point near its
        topic's centre in a LATENT-dimensional space, embedded in DIM dimensions by a fixed
        random projection, plus a little noise. (Isotropic noise in all 384 dimensions makes
        every neighbour equally far, which no real embedding does.)"""
        out = []
        for chunk in range(start // CHUNK, (stop - 1) // CHUNK + 1):
            lo, hi = chunk * CHUNK, min((chunk + 1) * CHUNK, len(self.video_ids))
            rng = np.random.default_rng((self.seed, chunk))
            latent = self.centroids[self.video_topic[lo:hi]] + 0.5 * rng.standard_normal(
                (hi - lo, LATENT), dtype=np.float32
            )
            rows = latent @ self.projection
            rows += 0.02 * rng.standard_normal(rows.shape, dtype=np.float32)
            rows /= np.linalg.norm(rows, axis=1, keepdims=True)
            out.append(rows[max(start - lo, 0) : stop - lo])
        return np.vstack(out)


def make_id(ms: int, logical_shard: int, seq: int) -> int:
    low = (BENCH_WORKER << SEQUENCE_BITS) | (seq & ((1 << SEQUENCE_BITS) - 1))
    return ((ms - EPOCH_MS) << (SHARD_BITS + LOW_BITS)) | (logical_shard << LOW_BITS) | low


def build_world(videos: int, users: int, n_topics: int, seed: int) -> World:
    rng = np.random.default_rng(seed)
    centroids = rng.standard_normal((n_topics, LATENT)).astype(np.float32)
    projection = rng.standard_normal((LATENT, DIM)).astype(np.float32) / np.sqrt(LATENT)
    creators = max(videos // 50, 1)
    creator_topic = rng.integers(0, n_topics, creators)
    creator_ids = np.array(
        [make_id(EPOCH_MS + 1000 + i, logical_shard_of_name(f"c{i}"), 0) for i in range(creators)]
    )
    user_ids = np.array(
        [
            make_id(EPOCH_MS + 10_000_000 + i, logical_shard_of_name(f"v{i}"), 0)
            for i in range(users)
        ]
    )
    # Creators' output is skewed: a few post a lot.
    video_creator = np.minimum(rng.zipf(1.6, videos) - 1, creators - 1)
    video_creator = rng.permutation(creators)[video_creator]
    own_topic = rng.random(videos) < 0.8
    video_topic = np.where(
        own_topic, creator_topic[video_creator], rng.integers(0, n_topics, videos)
    )
    now_ms = int(time.time() * 1000)
    spread = np.sort(rng.integers(now_ms - 30 * 86_400_000, now_ms - 60_000, videos))
    video_ids = np.array(
        [
            make_id(int(ms), int(creator_ids[c] >> LOW_BITS) & 1023, i)
            for i, (ms, c) in enumerate(zip(spread, video_creator, strict=True))
        ],
        dtype=np.int64,
    )
    popularity = rng.permutation(videos)  # rank of each video within its topic
    by_topic = [
        np.flatnonzero(video_topic == t)[np.argsort(popularity[video_topic == t])]
        for t in range(n_topics)
    ]
    return World(
        rng,
        seed,
        n_topics,
        centroids,
        projection,
        video_ids,
        video_topic,
        video_creator,
        creator_ids,
        creator_topic,
        user_ids,
        rng.integers(0, n_topics, (users, 2)),
        by_topic,
    )


def hashtags_of(world: World, i: int) -> list[str]:
    return [f"topic{int(world.video_topic[i])}"]


# --------------------------------------------------------------------------- the server


class InProcessServer:
    """The app in a thread of this process; coroutines run on its loop (kv is per process)."""

    def __init__(self, settings: Settings) -> None:
        self.app = create_app(settings)
        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def platform(self) -> Platform:
        platform: Platform = self.app.state.platform
        return platform

    def start(self) -> None:
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        assert self.server.servers, "no server socket"
        self.loop = _loop_of(self.server)

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def _loop_of(server: uvicorn.Server) -> asyncio.AbstractEventLoop:
    loop: asyncio.AbstractEventLoop = server.servers[0].get_loop()
    return loop


# --------------------------------------------------------------------------- seeding


def batches(total: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(start + size, total)


def seed_sql(world: World, settings: Settings, progress: Progress) -> dict[str, int]:
    """Users, videos, likes and follows straight into the shards (bulk inserts)."""
    engines = [sa.create_engine(url) for url in settings.sql_shards]
    shard_count = len(engines)

    def shard(id_: int) -> int:
        return ((id_ >> LOW_BITS) & 1023) % shard_count

    def insert(table: sa.Table, rows: list[dict[str, Any]], key: str) -> None:
        grouped: dict[int, list[dict[str, Any]]] = {}
        for row in rows:
            grouped.setdefault(shard(row[key]), []).append(row)
        for s, chunk in grouped.items():
            with engines[s].begin() as conn:
                conn.execute(table.insert(), chunk)

    people = [(int(c), f"c{i}") for i, c in enumerate(world.creator_ids)] + [
        (int(u), f"v{i}") for i, u in enumerate(world.user_ids)
    ]
    task = progress.add_task("SQL: users", total=len(people))
    for lo, hi in batches(len(people), 20_000):
        rows = [
            {"id": id_, "username": name, "password_hash": "!", "display_name": name.upper()}
            for id_, name in people[lo:hi]
        ]
        insert(User.__table__, rows, "id")  # type: ignore[arg-type]
        progress.advance(task, hi - lo)
    task = progress.add_task("SQL: videos", total=len(world.video_ids))
    for lo, hi in batches(len(world.video_ids), 20_000):
        rows = []
        for i in range(lo, hi):
            vid = int(world.video_ids[i])
            base = f"videos/{vid}"
            rows.append(
                {
                    "id": vid,
                    "author_id": int(world.creator_ids[world.video_creator[i]]),
                    "caption": f"clip {i} about topic {int(world.video_topic[i])}",
                    "hashtags": hashtags_of(world, i),
                    "status": "ready",
                    "progress": 100,
                    "duration_ms": 15_000,
                    "width": 1080,
                    "height": 1920,
                    "playback": {
                        "hls_key": f"{base}/hls/master.m3u8",
                        "poster_key": f"{base}/poster.jpg",
                        "thumb_key": f"{base}/thumb.jpg",
                        "renditions": [
                            {"width": 360, "height": 640, "bandwidth": 600_000, "codecs": "avc1"}
                        ],
                    },
                }
            )
        insert(Video.__table__, rows, "id")  # type: ignore[arg-type]
        progress.advance(task, hi - lo)
    for engine in engines:
        engine.dispose()
    return {"users": len(people), "videos": len(world.video_ids)}


def seed_videos(world: World, server: InProcessServer, progress: Progress) -> None:
    """The ``videos`` topic through the catalog and features processors."""
    task = progress.add_task("kv: published videos", total=len(world.video_ids))
    for lo, hi in batches(len(world.video_ids), 5000):
        events = [
            Event(
                topics.VIDEOS,
                SEED_PARTITION,
                i,
                str(world.video_ids[i]),
                {
                    "type": "video.published",
                    "video_id": int(world.video_ids[i]),
                    "author_id": int(world.creator_ids[world.video_creator[i]]),
                    "status": "ready",
                    "visibility": "public",
                    "hashtags": hashtags_of(world, i),
                },
                0,
            )
            for i in range(lo, hi)
        ]
        server.call(catalog.apply(server.platform, events))
        server.call(features.apply(server.platform, events))
        progress.advance(task, hi - lo)


def seed_vectors(world: World, server: InProcessServer, progress: Progress) -> float:
    task = progress.add_task("ANN index", total=len(world.video_ids))
    began = time.perf_counter()
    for lo, hi in batches(len(world.video_ids), CHUNK):
        server.platform.vectors.add(world.video_ids[lo:hi], world.vectors(lo, hi))
        progress.advance(task, hi - lo)
    return time.perf_counter() - began


def history_events(world: World, user: int, mean: float) -> tuple[list[dict[str, Any]], list[int]]:
    """One viewer's watches (favourite topics, popular first) and the videos they liked."""
    rng = world.rng
    length = min(int(rng.geometric(1 / mean)), 200)
    watches, liked = [], []
    for _ in range(length):
        topic = int(world.user_topics[user, rng.integers(0, 2)])
        if rng.random() < 0.3:
            topic = int(rng.integers(0, world.topics))
        pool = world.by_topic[topic]
        if len(pool) == 0:
            continue
        i = int(pool[min(int(rng.zipf(1.3)) - 1, len(pool) - 1)])
        favourite = topic in world.user_topics[user]
        completed = rng.random() < (0.7 if favourite else 0.25)
        watches.append(
            {
                "type": "watch",
                "video_id": int(world.video_ids[i]),
                "viewer": f"u:{int(world.user_ids[user])}",
                "user_id": int(world.user_ids[user]),
                "watched_ms": 15_000 if completed else int(rng.integers(500, 5000)),
                "duration_ms": 15_000,
                "completed": bool(completed),
            }
        )
        if completed and rng.random() < 0.15:
            liked.append(i)
    return watches, liked


def seed_audience(
    world: World, server: InProcessServer, settings: Settings, mean: float, progress: Progress
) -> dict[str, int]:
    """Histories through the features processor; likes and follows into SQL as well."""
    engines = [sa.create_engine(url) for url in settings.sql_shards]
    counts = {"watch events": 0, "likes": 0, "follows": 0}
    task = progress.add_task("kv: viewer histories", total=len(world.user_ids))
    offset = 0
    for lo, hi in batches(len(world.user_ids), 2000):
        events: list[Event] = []
        likes: dict[int, list[dict[str, int]]] = {}
        follows: dict[int, list[dict[str, int]]] = {}
        for user in range(lo, hi):
            uid = int(world.user_ids[user])
            watches, liked = history_events(world, user, mean)
            for value in watches:
                events.append(Event(topics.WATCH, SEED_PARTITION, offset, "", value, 0))
                offset += 1
            for i in set(liked):
                vid = int(world.video_ids[i])
                value = {"type": "like.added", "video_id": vid, "user_id": uid}
                events.append(Event(topics.INTERACTIONS, SEED_PARTITION, offset, "", value, 0))
                offset += 1
                likes.setdefault((vid >> LOW_BITS & 1023) % len(engines), []).append(
                    {"video_id": vid, "user_id": uid, "created_ms": int(time.time() * 1000)}
                )
            followed = world.rng.choice(len(world.creator_ids), world.rng.integers(0, 8))
            for n, c in enumerate(set(followed.tolist())):
                creator = int(world.creator_ids[c])
                follows.setdefault((uid >> LOW_BITS & 1023) % len(engines), []).append(
                    {"user_id": uid, "other_id": creator, "edge_id": n + 1}
                )
                value = {"type": "follow.added", "follower_id": uid, "followee_id": creator}
                events.append(Event(topics.INTERACTIONS, SEED_PARTITION, offset, "", value, 0))
                offset += 1
            counts["watch events"] += len(watches)
            counts["likes"] += len(set(liked))
            counts["follows"] += len(set(followed.tolist()))
        server.call(features.apply(server.platform, events))
        for table, grouped in ((Like.__table__, likes), (FollowOut.__table__, follows)):
            for s, rows in grouped.items():
                with engines[s].begin() as conn:
                    conn.execute(table.insert(), rows)  # type: ignore[attr-defined]
        progress.advance(task, hi - lo)
    for engine in engines:
        engine.dispose()
    return counts


# --------------------------------------------------------------------------- measurements


def ann_recall(
    world: World, server: InProcessServer, sample: int, k: int = 100
) -> dict[str, float]:
    """Recall@k of the HNSW index against exact search, for real viewer vectors."""
    queries, found = [], []
    users = world.rng.choice(len(world.user_ids), sample, replace=False)
    for user in users:
        ctx = FeedContext(server.platform, f"u:{int(world.user_ids[user])}", None, 10, "bench")
        history = server.call(ann.recent_positives(ctx))
        vector = ann.viewer_vector(server.platform.vectors, history)
        if vector is None:
            continue
        vector = vector / np.linalg.norm(vector)
        began = time.perf_counter()
        hits = server.platform.vectors.search(vector, k)
        found.append((time.perf_counter() - began, {v for v, _ in hits}, hits[-1][1]))
        queries.append(vector)
    q = np.vstack(queries).astype(np.float32)
    best_scores = np.full((len(q), k), -np.inf, dtype=np.float32)
    best_ids = np.zeros((len(q), k), dtype=np.int64)
    began = time.perf_counter()
    for lo, hi in batches(len(world.video_ids), CHUNK):
        scores = q @ world.vectors(lo, hi).T
        merged_scores = np.hstack([best_scores, scores])
        merged_ids = np.hstack([best_ids, np.broadcast_to(world.video_ids[lo:hi], scores.shape)])
        top = np.argpartition(-merged_scores, k - 1, axis=1)[:, :k]
        best_scores = np.take_along_axis(merged_scores, top, axis=1)
        best_ids = np.take_along_axis(merged_ids, top, axis=1)
    brute_s = (time.perf_counter() - began) / len(q)
    recalls = [len(hits & set(best_ids[n].tolist())) / k for n, (_, hits, _) in enumerate(found)]
    # Recall alone cannot tell a search that got lost from one among near-ties: the k-th score
    # HNSW found against the exact k-th score tells them apart.
    kth_ratio = [kth / best_scores[n].min() for n, (_, _, kth) in enumerate(found)]
    worst = int(np.argmin(recalls))
    ann_ms = sorted(t * 1000 for t, _, _ in found)
    return {
        "queries": len(q),
        "recall": float(np.mean(recalls)),
        "recall_min": float(np.min(recalls)),
        "kth_ratio_min": float(np.min(kth_ratio)),
        "worst_kth_ratio": float(kth_ratio[worst]),
        "ann_p50_ms": percentile(ann_ms, 50),
        "ann_p99_ms": percentile(ann_ms, 99),
        "brute_ms": brute_s * 1000,
    }


def stage_latency(world: World, server: InProcessServer, runs: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {}
    for user in world.rng.choice(len(world.user_ids), runs, replace=False):
        ctx = FeedContext(
            server.platform, f"u:{int(world.user_ids[user])}", int(world.user_ids[user]), 10, "b"
        )
        began = time.perf_counter()
        server.call(FOR_YOU.run(ctx))
        timings.setdefault("pipeline (total)", []).append(time.perf_counter() - began)
        for stage, seconds in ctx.timings.items():
            timings.setdefault(stage, []).append(seconds)
    return {stage: sorted(x * 1000 for x in values) for stage, values in timings.items()}


def feed_requests(world: World, settings: Settings, path: Path, count: int) -> Path:
    lines = []
    for user in world.rng.choice(
        len(world.user_ids), min(count, len(world.user_ids)), replace=False
    ):
        principal = Principal(int(world.user_ids[user]), "user")
        token = encode_access(principal, secret=settings.secret_key, ttl_s=6 * 3600)
        lines.append(("GET", "/api/v1/feed?limit=10", token, "", ""))
    return write_requests(path, lines)


def check_one(base_url: str, requests_file: Path) -> None:
    """One feed request before any load: a broken setup fails here, not as 100 % errors."""
    _, path, token, _, _ = requests_file.read_text().splitlines()[0].split("\t")
    answer = httpx.get(base_url + path, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    if answer.status_code != 200 or not answer.json()["items"]:
        raise RuntimeError(f"the feed answered {answer.status_code}: {answer.text[:500]}")


def open_loop(base_url: str, requests_file: Path, rate: float, duration: float) -> LoadResult:
    cmd = [sys.executable, __file__, "--_openloop", base_url, str(requests_file), str(rate)]
    cmd.append(str(duration))
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120)
    for line in proc.stdout.splitlines():
        if line.startswith("BENCHJSON "):
            return LoadResult.from_json(json.loads(line.removeprefix("BENCHJSON ")))
    raise RuntimeError(f"open-loop loadgen gave no result (rc {proc.returncode}):\n{proc.stderr}")


async def _open_loop_main(base_url: str, requests_file: str, rate: float, duration: float) -> None:
    """Sends at a fixed schedule whatever the answers do; latency counts from the schedule."""
    prepared = []
    for line in Path(requests_file).read_text().splitlines():
        method, path, token, _, _ = line.split("\t")
        prepared.append((method, path, {"Authorization": f"Bearer {token}"}))
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=10) as client:

        async def one(n: int, scheduled: float) -> None:
            nonlocal errors
            method, path, headers = prepared[n % len(prepared)]
            try:
                response = await client.request(method, path, headers=headers)
                errors += response.status_code >= 400
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - scheduled)

        started = time.perf_counter()
        total = int(rate * duration)
        tasks = []
        for n in range(total):
            scheduled = started + n / rate
            await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            tasks.append(asyncio.create_task(one(n, scheduled)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    us = sorted(x * 1e6 for x in latencies)
    result = {"requests": len(us), "duration_us": elapsed * 1e6, "err_status": errors}
    for pct in (50, 95, 99):
        result[f"p{pct}_us"] = percentile(us, pct)
    result["max_us"] = us[-1]
    print("BENCHJSON " + json.dumps(result))


def freshness(world: World, server: InProcessServer, probes: int) -> list[float]:
    """ms from posting a completed watch until the viewer's history in kv has it."""
    out = []
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for _ in range(probes):
            device = str(uuid.uuid4())
            video = int(world.video_ids[world.rng.integers(0, len(world.video_ids))])
            event = {"type": "watch", "video_id": str(video), "watched_ms": 15_000}
            event |= {"duration_ms": 15_000, "completed": True}
            began = time.perf_counter()
            answer = client.post(
                "/api/v1/events", json={"events": [event]}, headers={"Foryou-Device-Id": device}
            )
            answer.raise_for_status()
            key = f"uh:d:{device}"
            while not server.call(server.platform.kv.zrevrange_by_score(key, limit=1)):
                if time.perf_counter() - began > 10:
                    raise RuntimeError("a watch event never reached the features")
                time.sleep(0.002)
            out.append((time.perf_counter() - began) * 1000)
            time.sleep(0.02)
    return sorted(out)


def memory() -> dict[str, float]:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024 / 1024  # GiB
    return fields


# --------------------------------------------------------------------------- report


def report(results: dict[str, Any]) -> None:
    world = Table(title="World (synthetic)")
    for column in ("what", "count", "build s"):
        world.add_column(column, justify="right" if column != "what" else "left")
    for name, (count, seconds) in results["world"].items():
        world.add_row(name, f"{count:,}", f"{seconds:.1f}")
    console.print(world)

    stages = Table(title=f"Pipeline latency by stage, in-process ({results['stage_runs']} runs)")
    for column in ("stage", "p50 ms", "p99 ms", "max ms"):
        stages.add_column(column, justify="right" if column != "stage" else "left")
    for stage, ms in results["stages"].items():
        stages.add_row(
            stage, f"{percentile(ms, 50):.2f}", f"{percentile(ms, 99):.2f}", f"{ms[-1]:.2f}"
        )
    console.print(stages)

    recall = results["recall"]
    ann_table = Table(title="ANN (faiss HNSW) against brute force, viewer vectors")
    for column in (
        "queries",
        "recall@100",
        "min",
        "100th score / exact (min; at the min recall)",
        "HNSW p50 ms",
        "HNSW p99 ms",
        "brute ms/query",
    ):
        ann_table.add_column(column, justify="right")
    ann_table.add_row(
        str(recall["queries"]),
        f"{recall['recall']:.3f}",
        f"{recall['recall_min']:.2f}",
        f"{recall['kth_ratio_min']:.4f}; {recall['worst_kth_ratio']:.4f}",
        f"{recall['ann_p50_ms']:.2f}",
        f"{recall['ann_p99_ms']:.2f}",
        f"{recall['brute_ms']:.1f}",
    )
    console.print(ann_table)

    http = Table(title="GET /api/v1/feed?limit=10 over HTTP (loopback)")
    for column in (
        "load",
        "requests",
        "errors",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "target",
    ):
        http.add_column(column, justify="right" if column != "load" else "left")
    for name, result, target in results["http"]:
        http.add_row(
            name,
            str(result.requests),
            str(result.errors),
            f"{result.rps:.0f}",
            f"{result.p50_ms:.1f}",
            f"{result.p95_ms:.1f}",
            f"{result.p99_ms:.1f}",
            f"{result.max_ms:.1f}",
            target,
        )
    console.print(http)

    fresh = Table(title="Freshness: POST /events (completed watch) -> viewer history in kv")
    for column in ("when", "probes", "p50 ms", "p99 ms", "max ms", "target"):
        fresh.add_column(column, justify="right" if column != "when" else "left")
    for name, ms in results["freshness"].items():
        fresh.add_row(
            name,
            str(len(ms)),
            f"{percentile(ms, 50):.0f}",
            f"{percentile(ms, 99):.0f}",
            f"{ms[-1]:.0f}",
            f"p99 < {FRESH_P99_TARGET_MS}",
        )
    console.print(fresh)

    mem = Table(title="Process memory (GiB)")
    for column in ("when", "RSS", "peak RSS", "target"):
        mem.add_column(column, justify="right" if column != "when" else "left")
    for name, fields in results["memory"].items():
        mem.add_row(name, f"{fields['VmRSS']:.2f}", f"{fields['VmHWM']:.2f}", f"< {RSS_TARGET_GB}")
    console.print(mem)


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--videos", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--topics", type=int, default=200)
    parser.add_argument("--history", type=float, default=20.0, help="mean watches per viewer")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--vectors", default=Settings().vectors, help="the vectors port URL (default: the app's)"
    )
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--stage-runs", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="keep the temp data dir")
    parser.add_argument("--_openloop", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._openloop:
        url, path, rate, duration = args._openloop
        asyncio.run(_open_loop_main(url, path, float(rate), float(duration)))
        return 0

    data_dir = Path(tempfile.mkdtemp(prefix="foryou-bench-feed-"))
    settings = Settings(
        data_dir=data_dir,
        vectors=args.vectors,
        media_embedded_workers=0,
        log_level="WARNING",
        rate_limit_client_per_minute=100_000_000,
        rate_limit_user_per_minute=100_000_000,
    )
    server = InProcessServer(settings)
    results: dict[str, Any] = {"world": {}, "http": [], "freshness": {}, "memory": {}}
    try:
        server.start()
        console.print(f"server on {server.url}, data in {data_dir}")
        with Progress(console=console) as progress:
            began = time.perf_counter()
            world = build_world(args.videos, args.users, args.topics, args.seed)
            results["world"]["world arrays"] = (args.videos, time.perf_counter() - began)
            began = time.perf_counter()
            rows = seed_sql(world, settings, progress)
            results["world"]["SQL users"] = (rows["users"], 0.0)
            results["world"]["SQL videos"] = (rows["videos"], time.perf_counter() - began)
            console.log("SQL rows in", results["world"]["SQL videos"][1], "s")
            began = time.perf_counter()
            seed_videos(world, server, progress)
            results["world"]["kv video features"] = (args.videos, time.perf_counter() - began)
            console.log("video features in", results["world"]["kv video features"][1], "s")
            seconds = seed_vectors(world, server, progress)
            results["world"]["ANN index rows"] = (len(server.platform.vectors), seconds)
            console.log("ANN index in", seconds, "s")
            began = time.perf_counter()
            counts = seed_audience(world, server, settings, args.history, progress)
            seconds = time.perf_counter() - began
            for name, count in counts.items():
                results["world"][f"viewer {name}"] = (count, seconds)
        console.log("viewer histories in", seconds, "s")
        results["memory"]["after building"] = memory()
        console.print("ANN recall ...")
        results["recall"] = ann_recall(world, server, sample=200)
        console.print("pipeline stages ...")
        results["stages"] = stage_latency(world, server, args.stage_runs)
        results["stage_runs"] = args.stage_runs
        requests_file = feed_requests(world, settings, data_dir / "feed.tsv", 20_000)
        check_one(server.url, requests_file)
        results["freshness"]["idle"] = freshness(world, server, 100)
        console.print(f"open loop at {args.rate:g} req/s for {args.duration:g} s ...")
        probes: dict[str, list[float]] = {}
        prober = threading.Thread(
            target=lambda: probes.setdefault("under load", freshness(world, server, 100))
        )
        prober.start()
        with LoopStalls(server.thread, server.loop) as stalls:
            opened = open_loop(server.url, requests_file, args.rate, args.duration)
        prober.join()
        console.print(f"during the open loop: {stalls}")
        results["freshness"]["during the open loop"] = probes["under load"]
        results["http"].append(
            (f"open loop, {args.rate:g} req/s offered", opened, f"p99 < {FEED_P99_TARGET_MS} ms")
        )
        if shutil.which("wrk"):
            console.print(f"closed loop, wrk, {args.connections} connections ...")
            closed = run_wrk(
                server.url,
                requests_file,
                connections=args.connections,
                threads=1,
                duration=args.duration,
            )
            results["http"].append(
                (
                    f"closed loop, {args.connections} connections",
                    closed,
                    f">= {THROUGHPUT_TARGET} req/s",
                )
            )
        else:
            console.print("[yellow]wrk not installed: no maximum-throughput phase[/]")
        results["memory"]["after the load"] = memory()
        report(results)
    finally:
        server.stop()
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""bench_feed's world, built once and held, for A/B runs of feed code on the same data.

    V=1000000 U=20000 N=100000 .venv/bin/python bench/feed_ab.py [--commands FILE]

Builds the world of ``bench_feed.py`` (``V`` videos, ``U`` viewers, the first ``N`` item
vectors in the ANN index: the HNSW build of all 1M took 226-345 s here, and the whole
world 488-1,311 s; the pipeline's CPU hardly depends on it, the loop's stalls do, so
N=1000000 for those), then reads commands from ``--commands`` (default
``/tmp/foryou-feed-ab``), one per line; a file is taken, run and deleted, and each batch
ends with ``<<< done`` on stdout:

    stages RUNS            the pipeline in-process: CPU per run, p50/p99 per stage
    wrk SECONDS [CONNS]    closed loop over HTTP: req/s, p50/p99, server CPU per request
    open RATE SECONDS      open loop at RATE req/s, with the server loop's stalls and the
                           garbage collections that caused them
    young THRESHOLD        gc.set_threshold(THRESHOLD, ...): A/B the young generation
    settle [thaw]          platform.heap's settle() on the server's loop, timed (with thaw:
                           unfreeze first, as the hourly thaw does); start the world with
                           FORYOU_GC_FREEZE_S=0 to run it only on command
    settle every SECONDS   from now on, heap.keep_settled(SECONDS) on the server's loop, as
                           `foryou serve` runs it with gc_freeze_s (0: stop it)
    reload MODULE ...      importlib.reload each, then the For You product again, so an
                           edited stage is measured against the same world without a rebuild
    rss                    this process's RSS and peak
    quit

Run the same commands before and after a change, alternating twice: the card cache warms
over minutes, so the first run of a session is slower whichever code it runs.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import os
import shutil
import sys
import tempfile
import time
import traceback
from concurrent.futures import Future
from pathlib import Path

import bench_feed as bf
import numpy as np
from bench_api import run_wrk
from loop_stalls import LoopStalls
from prometheus_client import REGISTRY
from prometheus_client.metrics import MetricWrapperBase
from rich.progress import Progress

from foryou.platform import heap
from foryou.settings import Settings


def cpu_s() -> float:
    t = os.times()
    return t.user + t.system


class Held:
    def __init__(self, videos: int, users: int, vectors: int) -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix="foryou-feed-ab-"))
        self.settings = Settings(
            data_dir=self.data_dir,
            media_embedded_workers=0,
            log_level="WARNING",
            rate_limit_client_per_minute=100_000_000,
            rate_limit_user_per_minute=100_000_000,
        )
        self.server = bf.InProcessServer(self.settings)
        self._settling: tuple[Future[None], asyncio.Event] | None = None
        if not self.settings.gc_freeze_s:  # settled on command only, young threshold as served
            gc.set_threshold(heap.YOUNG_THRESHOLD, *gc.get_threshold()[1:])
        self.server.start()
        began = time.perf_counter()
        with Progress(console=bf.console) as progress:
            self.world = bf.build_world(videos, users, 200, 7)
            bf.seed_sql(self.world, self.settings, progress)
            bf.seed_videos(self.world, self.server, progress)
            for lo, hi in bf.batches(min(vectors, videos), bf.CHUNK):
                self.server.platform.vectors.add(
                    self.world.video_ids[lo:hi], self.world.vectors(lo, hi)
                )
            bf.seed_audience(self.world, self.server, self.settings, 20.0, progress)
        self.requests = bf.feed_requests(
            self.world, self.settings, self.data_dir / "feed.tsv", 20_000
        )
        bf.check_one(self.server.url, self.requests)
        if not self.settings.gc_freeze_s:
            self.settle()
        print(f"READY {self.server.url}, built in {time.perf_counter() - began:.0f} s", flush=True)

    def stages(self, runs: str) -> None:
        before = cpu_s()
        timings = bf.stage_latency(self.world, self.server, int(runs))
        print(f"cpu/run {(cpu_s() - before) / int(runs) * 1000:.2f} ms")
        for stage, ms in timings.items():
            p50, p99 = np.percentile(ms, [50, 99])
            print(f"  {stage:22s} p50 {p50:6.2f}  p99 {p99:6.2f}")

    def wrk(self, seconds: str, connections: str = "16") -> None:
        before, began = cpu_s(), time.perf_counter()
        load = run_wrk(
            self.server.url,
            self.requests,
            connections=int(connections),
            threads=1,
            duration=float(seconds),
        )
        spent, wall = cpu_s() - before, time.perf_counter() - began
        print(
            f"wrk {seconds} s, {connections} conns: {load.rps:.1f} req/s, p50 {load.p50_ms:.1f} "
            f"p99 {load.p99_ms:.1f} ms, errors {load.errors}, "
            f"cpu/req {spent / max(load.requests, 1) * 1000:.2f} ms, cores {spent / wall:.2f}"
        )

    def open(self, rate: str, seconds: str) -> None:
        with LoopStalls(self.server.thread, self.server.loop) as stalls:
            load = bf.open_loop(self.server.url, self.requests, float(rate), float(seconds))
        print(
            f"open {rate} req/s, {seconds} s: {load.rps:.1f} served, p50 {load.p50_ms:.1f} "
            f"p99 {load.p99_ms:.1f} ms, errors {load.errors}"
        )
        print(f"  {stalls}")

    def young(self, threshold: str) -> None:
        gc.set_threshold(int(threshold), *gc.get_threshold()[1:])
        print("gc thresholds", gc.get_threshold())

    def settle(self, *words: str) -> None:
        if words[:1] == ("every",):
            return self.settle_every(float(words[1]))
        thaw = words[:1] == ("thaw",)

        async def timed() -> tuple[float, int]:
            if thaw:
                gc.unfreeze()
            unfrozen = len(gc.get_objects())
            began = time.perf_counter()
            heap.settle()
            return time.perf_counter() - began, unfrozen

        took, unfrozen = self.server.call(timed())
        print(
            f"settle{' after thaw' if thaw else ''}: {took * 1000:.1f} ms over {unfrozen:,} "
            f"unfrozen objects; {gc.get_freeze_count():,} frozen now"
        )

    def settle_every(self, seconds: float) -> None:
        if self._settling is not None:
            self.server.loop.call_soon_threadsafe(self._settling[1].set)
            self._settling[0].result(timeout=10)
            self._settling = None
        if seconds:
            stop = asyncio.Event()
            task = heap.keep_settled(seconds, stop)
            self._settling = asyncio.run_coroutine_threadsafe(task, self.server.loop), stop
        print(f"settling every {seconds:g} s" if seconds else "settling on command only")

    def reload(self, *modules: str) -> None:
        for name in modules:
            module = importlib.import_module(name)
            for value in vars(module).values():  # the reloaded module registers them again
                if isinstance(value, MetricWrapperBase):
                    REGISTRY.unregister(value)
            importlib.reload(module)
        products = importlib.reload(importlib.import_module("foryou.rec.products"))
        for_you = importlib.import_module("foryou.feed.for_you")
        bf.FOR_YOU = for_you.FOR_YOU = products.FOR_YOU  # type: ignore[attr-defined]
        print("reloaded", ", ".join(modules))

    def rss(self) -> None:
        memory = bf.memory()
        print(", ".join(f"{k} {v:.2f}" for k, v in memory.items()))

    def close(self) -> None:
        self.server.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=Path, default=Path("/tmp/foryou-feed-ab"))
    args = parser.parse_args()
    env = os.environ
    held = Held(int(env.get("V", 1_000_000)), int(env.get("U", 20_000)), int(env.get("N", 100_000)))
    commands = {"stages", "wrk", "open", "young", "settle", "reload", "rss"}
    try:
        while True:
            if not args.commands.exists():
                time.sleep(0.2)
                continue
            lines = args.commands.read_text().splitlines()
            args.commands.unlink()
            for line in filter(str.strip, lines):
                name, *words = line.split()
                print(">>>", line, flush=True)
                if name == "quit":
                    return 0
                if name not in commands:
                    print(f"unknown command {name!r}; one of {sorted(commands)} or quit")
                    continue
                try:
                    getattr(held, name)(*words)
                except Exception:
                    traceback.print_exc()
            print("<<< done", flush=True)
    finally:
        held.close()


if __name__ == "__main__":
    sys.exit(main())

"""Online training's freshness: from an event to serving with parameters that learned it.

    .venv/bin/python bench/bench_online.py [--minutes 4] [--rate 50] [--push 60] [--refresh 10]

A throwaway platform on the embedded defaults gets the TikTok catalog and the first half of
its interactions (replayed through the event log), and a two-tower version trained on them
goes live. Then the second half arrives as finished watches at ``--rate`` per second while
the online trainer (``foryou.rec.ml.online``, an update every ``--push`` seconds) and the
serving registry (polling every ``--refresh`` seconds, as ``MODEL_REFRESH_S``) run as they
do in ``foryou serve``. Each update applied is timed against the oldest and the newest event
it learned from. The batch baseline, in the same run: the next ``foryou train`` would see
these events only when it runs (typically nightly), and then trains for the time printed.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import time
from pathlib import Path

import numpy as np
import torch
from rich.console import Console
from rich.table import Table

from foryou.rec.ml import data, offline, versions
from foryou.rec.ml.online import OnlineLoop
from foryou.rec.ml.replay import replay, replay_order
from foryou.rec.ml.serving import RETRIEVAL, retrieval

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "tiktok-mmrec"
console = Console()


async def main(minutes: float, rate: float, push_s: float, refresh_s: float) -> None:
    everything, _ = data.load(DATA)
    ordered = everything.take(replay_order(everything))
    half = len(ordered) // 2
    first = ordered.take(np.arange(len(ordered)) < half)
    later = ordered.take(np.arange(len(ordered)) >= half)
    catalog = np.unique(ordered.items)
    began = time.perf_counter()
    async with offline.trained_platform(DATA, catalog, first, 10, lambda *_: None) as (
        platform,
        videos,
    ):
        batch_s = time.perf_counter() - began
        registry = retrieval(platform)
        version = registry.version
        stop = asyncio.Event()
        loop = OnlineLoop(platform, push_s)
        tasks = [
            asyncio.create_task(loop.run(stop)),
            asyncio.create_task(registry.keep_fresh(platform, stop, refresh_s)),
        ]
        applied: list[tuple[float, float, float]] = []  # (applied at, oldest, newest) in s
        seen = -1
        sent = 0
        end = time.time() + minutes * 60
        while time.time() < end:
            chunk = later.take(
                (np.arange(len(later)) >= sent) & (np.arange(len(later)) < sent + int(rate))
            )
            await replay(platform, chunk, videos)
            sent += len(chunk)
            await asyncio.sleep(1.0)
            if registry.applied != seen and registry.applied >= 0:
                seen = registry.applied
                blob = await versions.update(platform, RETRIEVAL, version, seen)
                oldest, newest = torch.load(io.BytesIO(blob), weights_only=True)["events_ms"]
                applied.append((time.time(), oldest / 1000, newest / 1000))
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    table = Table(
        title=f"online freshness: {sent:,} events at {rate:g}/s over {minutes:g} min; an "
        f"update every {push_s:g} s, serving polls every {refresh_s:g} s"
    )
    for column in ("update", "oldest event → serving s", "newest event → serving s"):
        table.add_column(column, justify="right")
    for n, (at, oldest, newest) in enumerate(applied):
        table.add_row(str(n), f"{at - oldest:.1f}", f"{at - newest:.1f}")
    console.print(table)
    console.print(
        f"batch baseline: catalog + replay + stream processors + training on the first half "
        f"took {batch_s:.0f} s; a batch model sees an event only at its next scheduled run"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=4)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--push", type=float, default=60)
    parser.add_argument("--refresh", type=float, default=10)
    args = parser.parse_args()
    asyncio.run(main(args.minutes, args.rate, args.push, args.refresh))

"""Keeping CPython's cyclic garbage collector off the request path.

The embedded feature store holds millions of long-lived containers in the serving process,
and a full collection walks every one of them. With the default thresholds (700, 10, 10) a
feed server under load ran 6 to 7 full collections per 10 s, 1.4 to 1.7 s of pauses in all
(a 30,000-video bench_feed world). So young collections run less often, and what has survived is
frozen (left out of every later collection) every ``gc_freeze_s``. Freezing hides cycles that
die later from the collector, so once an hour everything is unfrozen and collected once.

A settle walks what survived since the last one, ~1 us an object in a 3.5 GB heap: at 1M
videos and 100 req/s, 60 s of survivors took ~250 ms and 5 s up to 143 ms, 1 s 20-65 ms,
and settling every half second keeps nearly every pass under 20 ms, for perhaps ~8 % of
the maximum throughput against 1 s (bench/README.md). The hourly thaw walks the whole heap:
~1.6 s there.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time

# Allocations between young collections (CPython's default: 700). Under feed load at 1M
# videos a young collection paused the loop for 20 to 50 ms at 10,000, every 1 to 4 s; at
# 50,000 they paused for 60 to 120 ms, a few times in 30 s. That is 2.8x less time stalled
# in all (bench/README.md).
YOUNG_THRESHOLD = 50_000
THAW_EVERY_S = 3600.0


def settle() -> None:
    """Collect what is garbage now, then freeze the survivors."""
    gc.collect()
    gc.freeze()


async def keep_settled(every_s: float, stop: asyncio.Event) -> None:
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    settle()
    thawed = time.monotonic()
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_s)
            return
        if time.monotonic() - thawed >= THAW_EVERY_S:
            gc.unfreeze()
            thawed = time.monotonic()
        settle()

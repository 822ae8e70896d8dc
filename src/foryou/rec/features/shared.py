"""What every viewer reads alike, kept in this process for a moment.

A feed request hydrates a few hundred candidates, and most of them (trending, fresh, the
busiest creators' videos) are on most other requests too. Their metadata and decayed
counters do not depend on the viewer, nor do the trending and fresh lists, so serving keeps
each row for ``SHARED_TTL_S`` and reads only the misses from kv: at 100 requests a second
a trending video is read about once a second instead of 100 times. The price: a row may
lag the feature store by up to ``SHARED_TTL_S``, in a count, in a list's order, or in a
video leaving the feeds after it was deleted or rejected.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from foryou.platform import Platform

SHARED_TTL_S = 1.0
SHARED_MAX = 50_000  # rows per kind; the oldest are dropped first

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
_MISSING = object()  # rows themselves may be None (a video not in the feature store)


async def shared_rows(
    platform: Platform,
    kind: str,
    keys: list[K],
    load: Callable[[list[K]], Awaitable[list[T]]],
) -> list[T]:
    """The row of ``kind`` for each key (a video id, or a region for region-wide lists), from
    this process's copy when it is young enough, else from ``load`` (called once, with the
    misses in order)."""
    # an OrderedDict: dropping the oldest of a plain dict rescans its deleted slots each time
    cache: OrderedDict[K, tuple[float, Any]] = platform.local.setdefault(
        f"shared_rows:{kind}", OrderedDict()
    )
    now = time.monotonic()
    rows: list[Any] = []
    missing: list[K] = []
    for key in keys:
        hit = cache.get(key)
        if hit is not None and hit[0] > now:
            rows.append(hit[1])
        else:
            rows.append(_MISSING)
            missing.append(key)
    if missing:
        loaded = iter(await load(missing))
        expires = now + SHARED_TTL_S
        for index, row in enumerate(rows):
            if row is _MISSING:
                key = keys[index]
                rows[index] = value = next(loaded)
                cache[key] = (expires, value)
                cache.move_to_end(key)  # so eviction drops the oldest
        while len(cache) > SHARED_MAX:
            cache.popitem(last=False)
    return rows

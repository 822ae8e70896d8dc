"""What every viewer reads alike, kept in this process for a moment.

A feed request hydrates a few hundred candidates, and most of them (trending, fresh, the
busiest creators' videos) are on most other requests too. Their metadata and decayed
counters do not depend on the viewer, nor do the trending and fresh lists, so serving keeps
each row for less than ``SHARED_TTL_S`` and reads only the misses from kv: at 100 requests a
second a trending video is read about once a second instead of 100 times. The price: a row
may lag the feature store by up to ``SHARED_TTL_S``, in a count, in a list's order, or in a
video leaving the feeds after it was deleted or rejected.

Rows are kept in two dicts that rotate every half TTL, not one with a deadline per row:
expired rows that stayed until a size cap evicted them kept ~110,000 objects alive in the
young generation at 100 req/s, and every young collection walked them all (bench/README).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

from foryou.platform import Platform

SHARED_TTL_S = 1.0
SHARED_MAX = 50_000  # rows per kind in the newer window; beyond it the windows rotate early

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
_MISSING = object()  # rows themselves may be None (a video not in the feature store)


class Window(Generic[K]):
    """Rows loaded in the last half TTL (``newer``) and the half before (``older``), so
    every row held is younger than the TTL and dies with its window."""

    def __init__(self, ttl_s: float) -> None:
        self.half_s = ttl_s / 2
        self.newer: dict[K, Any] = {}
        self.older: dict[K, Any] = {}
        self.rotated = time.monotonic()

    def rotate_if_due(self) -> None:
        now = time.monotonic()
        if (elapsed := now - self.rotated) >= self.half_s or len(self.newer) > SHARED_MAX:
            # after a whole TTL without a rotation, the older half is too old as well
            self.older = self.newer if elapsed < 2 * self.half_s else {}
            self.newer = {}
            self.rotated = now

    def get_many(self, keys: list[K]) -> list[Any]:
        """Each key's row, or ``_MISSING``: the older half's, overlaid by the newer's. Both
        passes are ``map`` over the dicts' own ``get`` (the older answer is the newer
        lookup's default), with no Python call per key: that was 8 % of the pipeline."""
        rows = map(self.older.get, keys, itertools.repeat(_MISSING))
        return list(map(self.newer.get, keys, rows))


async def shared_rows(
    platform: Platform,
    kind: str,
    keys: list[K],
    load: Callable[[list[K]], Awaitable[list[T]]],
) -> list[T]:
    """The row of ``kind`` for each key (a video id, or a region for region-wide lists), from
    this process's copy when it is young enough, else from ``load`` (called once, with the
    misses in order)."""
    name = f"shared_rows:{kind}"
    window: Window[K] | None = platform.local.get(name)
    if window is None:
        window = platform.local[name] = Window(SHARED_TTL_S)
    window.rotate_if_due()
    rows = window.get_many(keys)
    at = [index for index, row in enumerate(rows) if row is _MISSING]
    if at:
        missing = [keys[index] for index in at]
        loaded = await load(missing)
        window.newer.update(zip(missing, loaded, strict=True))
        for index, row in zip(at, loaded, strict=True):
            rows[index] = row
    return rows

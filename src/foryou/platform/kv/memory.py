"""In-process KV for ``memory://``: the embedded default and the test double.

Follows Redis semantics where the port leaves room (``set`` clears a TTL, ``incr`` keeps
it, counters read back as decimal bytes, an emptied sorted set disappears) so that code
tested against memory behaves the same against Redis. Not thread-safe: use it from one
event loop; the methods never await, so each call is atomic there.
"""

from __future__ import annotations

import heapq
import math
import time
from bisect import bisect_left, insort
from collections.abc import Iterable, Mapping, Sequence
from typing import cast

# A change touching over 1/_BULK of a sorted set re-sorts it once instead of paying a list
# memmove per member; 64 is near the measured break-even for 1k to 100k members.
_BULK = 64


class _SortedSet:
    """member -> score, mirrored by a list of (score, member) kept in ascending order.

    Reads are a bisect plus a slice; ascending (score, member) read backwards also gives
    Redis' tie order (members descending) for ZREVRANGE.
    """

    def __init__(self) -> None:
        self.scores: dict[str, float] = {}
        self.entries: list[tuple[float, str]] = []

    def add(self, members: Mapping[str, float]) -> None:
        changed = {m: float(s) for m, s in members.items() if self.scores.get(m) != s}
        if any(math.isnan(s) for s in changed.values()):  # would break the sort order
            raise ValueError("a sorted-set score cannot be NaN")
        self._drop([(self.scores[m], m) for m in changed if m in self.scores])
        self.scores.update(changed)
        fresh = [(s, m) for m, s in changed.items()]
        if len(fresh) * _BULK < len(self.entries):
            for entry in fresh:
                insort(self.entries, entry)
        else:  # Timsort merges the appended run in O(n + k log k)
            self.entries.extend(fresh)
            self.entries.sort()

    def remove(self, members: Iterable[str]) -> None:
        self._drop([(self.scores.pop(m), m) for m in set(members) if m in self.scores])

    def trim(self, keep: int) -> None:
        cut = len(self.entries) - max(keep, 0)
        if cut > 0:
            for _, member in self.entries[:cut]:
                del self.scores[member]
            del self.entries[:cut]

    def top(self, below: float | None, limit: int) -> list[tuple[str, float]]:
        end = len(self.entries) if below is None else bisect_left(self.entries, (below,))
        start = max(end - max(limit, 0), 0)
        return [(m, s) for s, m in reversed(self.entries[start:end])]

    def _drop(self, entries: list[tuple[float, str]]) -> None:
        if len(entries) * _BULK < len(self.entries):
            for entry in entries:
                del self.entries[bisect_left(self.entries, entry)]
        elif entries:
            gone = set(entries)
            self.entries = [e for e in self.entries if e not in gone]


class MemoryKV:
    def __init__(self, url: str = "memory://") -> None:
        self._data: dict[str, bytes | _SortedSet] = {}
        self._deadlines: dict[str, float] = {}  # key -> time.monotonic() it expires at
        # Min-heap of (deadline, key) so writes can purge expired keys nobody reads again.
        # Entries go stale when a key is rewritten; they are skipped when popped.
        self._expiry: list[tuple[float, str]] = []

    async def get(self, key: str) -> bytes | None:
        return self._bytes(key)

    async def mget(self, keys: Sequence[str]) -> list[bytes | None]:
        """Like Redis' MGET, a key holding a sorted set reads None. A feed request reads
        hundreds of keys at once, so each pass runs in C: only the keys with a deadline
        are looked at one by one."""
        if expiring := self._deadlines.keys() & keys:
            now = time.monotonic()
            for key in expiring:
                self._live(key, now)
        values = list(map(self._data.get, keys))
        if _SortedSet in map(type, values):
            return [None if isinstance(value, _SortedSet) else value for value in values]
        return cast(list[bytes | None], values)

    async def set(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None:
        self._purge()
        # A copy, always: orjson's bytes keep a ~4 KiB buffer behind a 70-byte value, and the
        # store keeps a million of them (bytes(value) would return the same object).
        self._data[key] = bytes(memoryview(value))
        self._expire(key, ttl_s)

    async def delete(self, *keys: str) -> int:
        return sum(self._pop(key) for key in keys if self._live(key) is not None)

    async def incr(self, key: str, amount: int = 1, *, ttl_s: float | None = None) -> int:
        self._purge()
        current = await self.get(key)
        total = (0 if current is None else int(current)) + amount
        self._data[key] = str(total).encode()
        if current is None:
            self._expire(key, ttl_s)
        return total

    async def ttl(self, key: str) -> float | None:
        if self._live(key) is None or key not in self._deadlines:
            return None
        return max(self._deadlines[key] - time.monotonic(), 0.0)

    async def zadd(self, key: str, members: Mapping[str, float]) -> None:
        self._purge()
        zset = self._zset(key)
        if zset is None:
            zset = self._data[key] = _SortedSet()
        zset.add(members)

    async def zrem(self, key: str, *members: str) -> None:
        if (zset := self._zset(key)) is not None:
            zset.remove(members)
            self._drop_if_empty(key, zset)

    async def zrevrange_by_score(
        self, key: str, *, below: float | None = None, limit: int = 20
    ) -> list[tuple[str, float]]:
        zset = self._zset(key)
        return [] if zset is None else zset.top(below, limit)

    async def zrevrange_many(
        self, keys: Sequence[str], *, limit: int = 20
    ) -> list[list[tuple[str, float]]]:
        return [await self.zrevrange_by_score(key, limit=limit) for key in keys]

    async def ztrim(self, key: str, keep: int) -> None:
        if (zset := self._zset(key)) is not None:
            zset.trim(keep)
            self._drop_if_empty(key, zset)

    async def zcard(self, key: str) -> int:
        zset = self._zset(key)
        return 0 if zset is None else len(zset.scores)

    async def zincrby(
        self, key: str, member: str, amount: float, *, ttl_s: float | None = None
    ) -> float:
        self._purge()
        zset = self._zset(key)
        if zset is None:
            zset = self._data[key] = _SortedSet()
        if key not in self._deadlines:
            self._expire(key, ttl_s)
        score = zset.scores.get(member, 0.0) + amount
        zset.add({member: score})
        return score

    async def zscores(self, key: str, members: Sequence[str]) -> list[float | None]:
        zset = self._zset(key)
        return [None] * len(members) if zset is None else list(map(zset.scores.get, members))

    async def zscores_many(
        self, keys: Sequence[str], members: Sequence[str]
    ) -> list[list[float | None]]:
        return [await self.zscores(key, members) for key in keys]

    async def setbits(
        self, key: str, offsets: Sequence[int], *, ttl_s: float | None = None
    ) -> None:
        self._purge()
        bitmap = bytearray(self._bytes(key) or b"")
        for offset in offsets:
            index = offset // 8
            if index >= len(bitmap):
                bitmap.extend(bytes(index + 1 - len(bitmap)))
            bitmap[index] |= 0x80 >> (offset % 8)
        self._data[key] = bytes(bitmap)
        if ttl_s is not None:
            self._expire(key, ttl_s)

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._data.clear()
        self._deadlines.clear()
        self._expiry.clear()

    def _live(self, key: str, now: float | None = None) -> bytes | _SortedSet | None:
        """The value, expiring it first if its deadline has passed (lazy expiry)."""
        deadline = self._deadlines.get(key)
        if deadline is not None and deadline <= (time.monotonic() if now is None else now):
            self._pop(key)
        return self._data.get(key)

    def _bytes(self, key: str, now: float | None = None) -> bytes | None:
        value = self._live(key, now)
        if isinstance(value, _SortedSet):
            raise TypeError(f"{key!r} holds a sorted set, not a string")
        return value

    def _zset(self, key: str) -> _SortedSet | None:
        value = self._live(key)
        if isinstance(value, bytes):
            raise TypeError(f"{key!r} holds a string, not a sorted set")
        return value

    def _expire(self, key: str, ttl_s: float | None) -> None:
        if ttl_s is None:
            self._deadlines.pop(key, None)
            return
        deadline = time.monotonic() + ttl_s
        self._deadlines[key] = deadline
        heapq.heappush(self._expiry, (deadline, key))
        if len(self._expiry) > 2 * len(self._deadlines) + 1024:
            # Rewrites of long-lived keys leave stale entries; rebuild from the live ones.
            self._expiry = [(d, k) for k, d in self._deadlines.items()]
            heapq.heapify(self._expiry)

    def _purge(self) -> None:
        """Drop keys whose deadline passed; amortised O(log n) per write."""
        now = time.monotonic()
        while self._expiry and self._expiry[0][0] <= now:
            deadline, key = heapq.heappop(self._expiry)
            if self._deadlines.get(key) == deadline:
                self._pop(key)

    def _pop(self, key: str) -> bool:
        self._deadlines.pop(key, None)
        return self._data.pop(key, None) is not None

    def _drop_if_empty(self, key: str, zset: _SortedSet) -> None:
        if not zset.scores:
            self._pop(key)

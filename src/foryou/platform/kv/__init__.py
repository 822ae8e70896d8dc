"""Key-value port: cache, online features, rate limits, small sorted sets.

Backends: ``memory://`` (in-process, the embedded default and test double) and
``redis://host:port/db`` (shared across api replicas). Values are bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from foryou.platform.registry import open_backend

BACKENDS = {
    "memory": "foryou.platform.kv.memory:MemoryKV",
    "redis": "foryou.platform.kv.redis:RedisKV",
}


class KV(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def mget(self, keys: Sequence[str]) -> list[bytes | None]: ...

    async def set(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None: ...

    async def delete(self, *keys: str) -> int:
        """Remove keys; the number that existed."""
        ...

    async def incr(self, key: str, amount: int = 1, *, ttl_s: float | None = None) -> int:
        """Add to an integer (missing = 0). ``ttl_s`` is set only when the key is created,
        so a fixed rate-limit window does not slide."""
        ...

    async def ttl(self, key: str) -> float | None:
        """Seconds left, or None for a missing key or one without expiry."""
        ...

    async def zadd(self, key: str, members: Mapping[str, float]) -> None: ...

    async def zrem(self, key: str, *members: str) -> None: ...

    async def zrevrange_by_score(
        self, key: str, *, below: float | None = None, limit: int = 20
    ) -> list[tuple[str, float]]:
        """Members with the highest scores first; only scores strictly below ``below``."""
        ...

    async def zrevrange_many(
        self, keys: Sequence[str], *, limit: int = 20
    ) -> list[list[tuple[str, float]]]:
        """``zrevrange_by_score`` of each key, in one round trip."""
        ...

    async def ztrim(self, key: str, keep: int) -> None:
        """Keep only the ``keep`` highest-scored members."""
        ...

    async def zcard(self, key: str) -> int:
        """How many members a sorted set has (0 when missing)."""
        ...

    async def zincrby(
        self, key: str, member: str, amount: float, *, ttl_s: float | None = None
    ) -> float:
        """Add to a member's score (missing = 0); the new score. ``ttl_s`` gives a set with no
        expiry (a new one) one; an expiry already set is kept, so writes do not extend it."""
        ...

    async def zscores(self, key: str, members: Sequence[str]) -> list[float | None]:
        """Each member's score, None where absent."""
        ...

    async def zscores_many(
        self, keys: Sequence[str], members: Sequence[str]
    ) -> list[list[float | None]]:
        """``zscores`` of the same members in each key, in one round trip."""
        ...

    async def setbits(
        self, key: str, offsets: Sequence[int], *, ttl_s: float | None = None
    ) -> None:
        """Set these bits of a bitmap, which ``get`` reads as bytes up to the highest set bit
        (Redis bit order: offset 0 is the first byte's high bit). ``ttl_s`` restarts the
        key's expiry on every call: a sliding window."""
        ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...


def open_kv(url: str) -> KV:
    kv: KV = open_backend("kv", url, BACKENDS)
    return kv

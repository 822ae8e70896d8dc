"""Redis KV for ``redis://host:port/db``, shared by every api replica.

Query options in the URL (``?socket_timeout=2&max_connections=50``) go to redis-py's
connection pool and override the defaults set here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from redis.asyncio import Redis
from redis.exceptions import RedisError

# The client never decodes (values are bytes), so its str-or-bytes return types narrow to bytes.
_Rows = list[tuple[bytes, float]]


def _ms(ttl_s: float) -> int:
    return max(round(ttl_s * 1000), 1)  # PX refuses 0; sub-millisecond TTLs round up


class RedisKV:
    def __init__(self, url: str) -> None:
        # from_url owns its pool and closes it with the client.
        self._redis = Redis.from_url(url, socket_connect_timeout=5)

    async def get(self, key: str) -> bytes | None:
        return cast(bytes | None, await self._redis.get(key))

    async def mget(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:  # MGET needs at least one key
            return []
        return cast(list[bytes | None], await self._redis.mget(keys))

    async def set(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None:
        await self._redis.set(key, value, px=None if ttl_s is None else _ms(ttl_s))

    async def delete(self, *keys: str) -> int:
        return int(await self._redis.delete(*keys)) if keys else 0

    async def incr(self, key: str, amount: int = 1, *, ttl_s: float | None = None) -> int:
        if ttl_s is None:
            return int(await self._redis.incrby(key, amount))
        # SET NX creates the key with its TTL only if missing; INCRBY keeps an existing TTL.
        # MULTI makes the pair atomic, so the window never slides.
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, nx=True, px=_ms(ttl_s))
            pipe.incrby(key, amount)
            _, total = await pipe.execute()
        return int(total)

    async def ttl(self, key: str) -> float | None:
        ms = int(await self._redis.pttl(key))
        return None if ms < 0 else ms / 1000  # -2: missing, -1: no expiry

    async def zadd(self, key: str, members: Mapping[str, float]) -> None:
        if members:
            await self._redis.zadd(key, dict(members))

    async def zrem(self, key: str, *members: str) -> None:
        if members:
            await self._redis.zrem(key, *members)

    async def zrevrange_by_score(
        self, key: str, *, below: float | None = None, limit: int = 20
    ) -> list[tuple[str, float]]:
        if limit <= 0:  # LIMIT 0 -1 would mean "all"
            return []
        top = "+inf" if below is None else f"({below!r}"  # "(" makes the bound exclusive
        rows = await self._redis.zrevrangebyscore(
            key, top, "-inf", start=0, num=limit, withscores=True
        )
        return [(member.decode(), float(score)) for member, score in cast(_Rows, rows)]

    async def zrevrange_many(
        self, keys: Sequence[str], *, limit: int = 20
    ) -> list[list[tuple[str, float]]]:
        if limit <= 0 or not keys:
            return [[] for _ in keys]
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.zrevrangebyscore(key, "+inf", "-inf", start=0, num=limit, withscores=True)
            found = cast(list[_Rows], await pipe.execute())
        return [[(member.decode(), float(score)) for member, score in rows] for rows in found]

    async def ztrim(self, key: str, keep: int) -> None:
        await self._redis.zremrangebyrank(key, 0, -max(keep, 0) - 1)

    async def zcard(self, key: str) -> int:
        return int(await self._redis.zcard(key))

    async def zincrby(
        self, key: str, member: str, amount: float, *, ttl_s: float | None = None
    ) -> float:
        if ttl_s is None:
            return float(cast(float, await self._redis.zincrby(key, amount, member)))
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zincrby(key, amount, member)
            pipe.pexpire(key, _ms(ttl_s), nx=True)  # NX: only a set without one, i.e. new
            score, _ = await pipe.execute()
        return float(score)

    async def zscores(self, key: str, members: Sequence[str]) -> list[float | None]:
        if not members:
            return []
        scores = await self._redis.zmscore(key, list(members))
        return [None if s is None else float(s) for s in scores]

    async def zscores_many(
        self, keys: Sequence[str], members: Sequence[str]
    ) -> list[list[float | None]]:
        if not members or not keys:
            return [[] for _ in keys]
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.zmscore(key, list(members))
            found = await pipe.execute()
        return [[None if s is None else float(s) for s in scores] for scores in found]

    async def setbits(
        self, key: str, offsets: Sequence[int], *, ttl_s: float | None = None
    ) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for offset in offsets:
                pipe.setbit(key, offset, 1)
            if ttl_s is not None:
                pipe.pexpire(key, _ms(ttl_s))
            await pipe.execute()

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except (RedisError, OSError):
            return False

    async def close(self) -> None:
        await self._redis.aclose()

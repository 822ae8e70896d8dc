"""Contract suite for the kv port: every backend must pass the same tests.

The ``kv`` fixture (tests/conftest.py) gives each backend. The Redis backend runs against
``FORYOU_TEST_REDIS`` (database 3); ``make test`` starts Redis, and a missing server fails
the suite. Each test works under a fresh uuid key prefix and deletes what it wrote.
"""

from __future__ import annotations

import asyncio
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Callable

import orjson
import pytest_asyncio

from foryou.platform.kv import KV
from foryou.platform.kv.memory import MemoryKV

TTL = 0.2  # short enough to keep the suite fast, long enough to outlast a round trip


@pytest_asyncio.fixture
async def key(kv: KV) -> AsyncIterator[Callable[[str], str]]:
    """Names keys under a per-test prefix; deletes them all afterwards."""
    prefix = f"test:{uuid.uuid4().hex}:"
    used: set[str] = set()

    def name(suffix: str) -> str:
        used.add(prefix + suffix)
        return prefix + suffix

    yield name
    if used:
        await kv.delete(*used)


async def test_get_set_delete(kv: KV, key: Callable[[str], str]) -> None:
    assert await kv.get(key("a")) is None
    await kv.set(key("a"), b"\x00one")
    assert await kv.get(key("a")) == b"\x00one"
    await kv.set(key("a"), b"two")
    assert await kv.get(key("a")) == b"two"
    await kv.set(key("b"), b"")
    assert await kv.get(key("b")) == b""

    assert await kv.delete(key("a"), key("b"), key("missing")) == 2
    assert await kv.get(key("a")) is None
    assert await kv.delete(key("a")) == 0
    assert await kv.delete() == 0


async def test_mget(kv: KV, key: Callable[[str], str]) -> None:
    await kv.set(key("a"), b"1")
    await kv.set(key("c"), b"3")
    assert await kv.mget([key("a"), key("b"), key("c")]) == [b"1", None, b"3"]
    assert await kv.mget([]) == []
    await kv.zadd(key("z"), {"m": 1.0})  # a key of another type reads None, as in Redis
    assert await kv.mget([key("z"), key("a")]) == [None, b"1"]


async def test_set_with_ttl_expires(kv: KV, key: Callable[[str], str]) -> None:
    await kv.set(key("a"), b"v", ttl_s=TTL)
    left = await kv.ttl(key("a"))
    assert left is not None and 0 < left <= TTL
    assert await kv.get(key("a")) == b"v"
    await asyncio.sleep(TTL + 0.05)
    assert await kv.get(key("a")) is None
    assert await kv.mget([key("a")]) == [None]
    assert await kv.ttl(key("a")) is None
    assert await kv.delete(key("a")) == 0


async def test_ttl_none_without_expiry_or_key(kv: KV, key: Callable[[str], str]) -> None:
    assert await kv.ttl(key("missing")) is None
    await kv.set(key("a"), b"v")
    assert await kv.ttl(key("a")) is None


async def test_set_without_ttl_clears_expiry(kv: KV, key: Callable[[str], str]) -> None:
    await kv.set(key("a"), b"v", ttl_s=TTL)
    await kv.set(key("a"), b"w")
    assert await kv.ttl(key("a")) is None
    await asyncio.sleep(TTL + 0.05)
    assert await kv.get(key("a")) == b"w"


async def test_incr(kv: KV, key: Callable[[str], str]) -> None:
    assert await kv.incr(key("n")) == 1
    assert await kv.incr(key("n"), 5) == 6
    assert await kv.incr(key("n"), -10) == -4
    assert await kv.get(key("n")) == b"-4"  # counters read back as decimal bytes
    assert await kv.ttl(key("n")) is None

    await kv.set(key("s"), b"41")
    assert await kv.incr(key("s")) == 42
    assert await kv.incr(key("neg"), -3) == -3


async def test_incr_ttl_set_only_on_create(kv: KV, key: Callable[[str], str]) -> None:
    window = 0.3
    assert await kv.incr(key("rate"), ttl_s=window) == 1
    await asyncio.sleep(0.15)
    assert await kv.incr(key("rate"), ttl_s=window) == 2
    left = await kv.ttl(key("rate"))
    assert left is not None and left < window - 0.1  # the window did not slide

    await asyncio.sleep(left + 0.05)
    assert await kv.get(key("rate")) is None
    assert await kv.incr(key("rate"), ttl_s=window) == 1  # a fresh window
    left = await kv.ttl(key("rate"))
    assert left is not None and left > window - 0.1


async def test_incr_keeps_existing_ttl(kv: KV, key: Callable[[str], str]) -> None:
    await kv.set(key("n"), b"1", ttl_s=TTL)
    assert await kv.incr(key("n")) == 2
    assert await kv.ttl(key("n")) is not None
    await asyncio.sleep(TTL + 0.05)
    assert await kv.get(key("n")) is None


async def test_zincrby_ttl_set_once(kv: KV, key: Callable[[str], str]) -> None:
    window = 0.3
    assert await kv.zincrby(key("z"), "a", 1.0, ttl_s=window) == 1.0
    await asyncio.sleep(0.15)
    assert await kv.zincrby(key("z"), "a", 2.0, ttl_s=window) == 3.0
    left = await kv.ttl(key("z"))
    assert left is not None and left < window - 0.1  # later writes did not extend it

    await asyncio.sleep(left + 0.05)
    assert await kv.zscores(key("z"), ["a"]) == [None]
    await kv.zincrby(key("z"), "a", 1.0)
    assert await kv.ttl(key("z")) is None  # no ttl_s, no expiry


async def test_zadd_and_reverse_range(kv: KV, key: Callable[[str], str]) -> None:
    z = key("z")
    assert await kv.zrevrange_by_score(z) == []
    await kv.zadd(z, {"a": 1.0, "b": 3.0, "c": 2.0, "d": -1.5})
    assert await kv.zrevrange_by_score(z) == [("b", 3.0), ("c", 2.0), ("a", 1.0), ("d", -1.5)]

    await kv.zadd(z, {"a": 5.0, "e": 2.5})  # updates a score, adds a member
    assert await kv.zrevrange_by_score(z) == [
        ("a", 5.0),
        ("b", 3.0),
        ("e", 2.5),
        ("c", 2.0),
        ("d", -1.5),
    ]
    await kv.zadd(z, {})


async def test_zrevrange_below_is_exclusive_and_limited(kv: KV, key: Callable[[str], str]) -> None:
    z = key("z")
    await kv.zadd(z, {f"m{i}": float(i) for i in range(10)})
    assert await kv.zrevrange_by_score(z, limit=3) == [("m9", 9.0), ("m8", 8.0), ("m7", 7.0)]
    assert await kv.zrevrange_by_score(z, below=7.0, limit=2) == [("m6", 6.0), ("m5", 5.0)]
    assert await kv.zrevrange_by_score(z, below=6.5, limit=2) == [("m6", 6.0), ("m5", 5.0)]
    assert await kv.zrevrange_by_score(z, below=0.0) == []
    assert await kv.zrevrange_by_score(z, below=100.0, limit=1) == [("m9", 9.0)]
    assert await kv.zrevrange_by_score(z, below=float("inf"), limit=1) == [("m9", 9.0)]
    assert await kv.zrevrange_by_score(z, limit=0) == []
    assert len(await kv.zrevrange_by_score(z, limit=100)) == 10


async def test_batched_sorted_set_reads(kv: KV, key: Callable[[str], str]) -> None:
    a, b, missing = key("a"), key("b"), key("missing")
    await kv.zadd(a, {"x": 1.0, "y": 2.0, "z": 3.0})
    await kv.zadd(b, {"y": -1.0})
    assert await kv.zrevrange_many([a, missing, b], limit=2) == [
        [("z", 3.0), ("y", 2.0)],
        [],
        [("y", -1.0)],
    ]
    assert await kv.zrevrange_many([a, b], limit=0) == [[], []]
    assert await kv.zrevrange_many([]) == []
    assert await kv.zscores_many([a, missing, b], ["y", "w"]) == [
        [2.0, None],
        [None, None],
        [-1.0, None],
    ]
    assert await kv.zscores_many([a, b], []) == [[], []]
    assert await kv.zscores_many([], ["y"]) == []


async def test_zrevrange_paginates_with_below(kv: KV, key: Callable[[str], str]) -> None:
    z = key("z")
    await kv.zadd(z, {f"m{i:02}": float(i) for i in range(25)})
    seen: list[str] = []
    below: float | None = None
    while page := await kv.zrevrange_by_score(z, below=below, limit=10):
        seen += [member for member, _ in page]
        below = page[-1][1]
    assert seen == [f"m{i:02}" for i in reversed(range(25))]


async def test_equal_scores_order_by_member_descending(kv: KV, key: Callable[[str], str]) -> None:
    z = key("z")
    await kv.zadd(z, {"b": 1.0, "a": 1.0, "c": 1.0, "x": 2.0})
    assert await kv.zrevrange_by_score(z) == [("x", 2.0), ("c", 1.0), ("b", 1.0), ("a", 1.0)]


async def test_zrem(kv: KV, key: Callable[[str], str]) -> None:
    z = key("z")
    await kv.zadd(z, {"a": 1.0, "b": 2.0, "c": 3.0})
    await kv.zrem(z, "b", "missing")
    assert await kv.zrevrange_by_score(z) == [("c", 3.0), ("a", 1.0)]
    await kv.zrem(z)
    await kv.zrem(z, "a", "c")
    assert await kv.zrevrange_by_score(z) == []
    await kv.zrem(key("never"), "a")


async def test_ztrim_keeps_highest(kv: KV, key: Callable[[str], str]) -> None:
    z = key("z")
    await kv.zadd(z, {f"m{i}": float(i) for i in range(10)})
    await kv.ztrim(z, 3)
    assert await kv.zrevrange_by_score(z) == [("m9", 9.0), ("m8", 8.0), ("m7", 7.0)]
    await kv.ztrim(z, 5)  # keeping more than there are is a no-op
    assert len(await kv.zrevrange_by_score(z)) == 3
    await kv.ztrim(z, 0)
    assert await kv.zrevrange_by_score(z) == []
    await kv.ztrim(key("never"), 3)


async def test_large_sorted_set(kv: KV, key: Callable[[str], str]) -> None:
    z = key("z")
    await kv.zadd(z, {f"m{i:05}": float(i % 1000) for i in range(20_000)})
    await kv.zadd(z, {f"m{i:05}": -1.0 for i in range(10_000)})  # rescore half in one call
    await kv.zadd(z, {"top": 5000.0, "m19999": 4000.0})  # one insert, one update
    await kv.zrem(z, "m19998")
    assert await kv.zrevrange_by_score(z, limit=3) == [
        ("top", 5000.0),
        ("m19999", 4000.0),
        ("m18999", 999.0),
    ]
    assert await kv.zrevrange_by_score(z, below=0.0, limit=1) == [("m09999", -1.0)]
    await kv.ztrim(z, 100)
    assert len(await kv.zrevrange_by_score(z, limit=1000)) == 100


async def test_delete_removes_sorted_sets(kv: KV, key: Callable[[str], str]) -> None:
    await kv.zadd(key("z"), {"a": 1.0})
    assert await kv.delete(key("z")) == 1
    assert await kv.zrevrange_by_score(key("z")) == []


async def test_zincrby_and_zscores(kv: KV, key: Callable[[str], str]) -> None:
    k = key("counts")
    assert await kv.zincrby(k, "a", 1.5) == 1.5
    assert await kv.zincrby(k, "a", 2.0) == 3.5
    assert await kv.zincrby(k, "b", -1.0) == -1.0
    assert await kv.zscores(k, ["a", "missing", "b"]) == [3.5, None, -1.0]
    assert await kv.zscores(key("nothing"), ["a"]) == [None]
    assert await kv.zscores(k, []) == []
    assert await kv.zrevrange_by_score(k, limit=5) == [("a", 3.5), ("b", -1.0)]


async def test_zcard(kv: KV, key: Callable[[str], str]) -> None:
    z = key("z")
    assert await kv.zcard(z) == 0
    await kv.zadd(z, {"a": 1.0, "b": 2.0})
    await kv.zadd(z, {"a": 3.0})  # a rescore is not a new member
    assert await kv.zcard(z) == 2
    await kv.zrem(z, "a", "b")
    assert await kv.zcard(z) == 0


async def test_bitmaps(kv: KV, key: Callable[[str], str]) -> None:
    k = key("bits")
    await kv.setbits(k, [0, 9, 70_000])
    bitmap = await kv.get(k) or b""
    assert len(bitmap) == 70_000 // 8 + 1  # up to the highest set bit
    assert bitmap[:2] == b"\x80\x40"  # Redis bit order: high bit first
    assert bitmap[-1] == 0x80 >> (70_000 % 8)
    assert bitmap[2:-1] == bytes(len(bitmap) - 3)
    await kv.setbits(k, [3], ttl_s=TTL)
    assert (await kv.get(k) or b"")[0] == 0x80 | 0x10
    assert 0 < (await kv.ttl(k) or 0) <= TTL
    await asyncio.sleep(TTL + 0.1)
    assert await kv.get(k) is None


async def test_ping_and_close(kv: KV) -> None:
    assert await kv.ping() is True
    await kv.close()


async def test_memory_purges_expired_keys_nobody_reads() -> None:
    # Backend-specific: a cache of short-lived keys must not grow without bound.
    kv = MemoryKV("memory://")
    for i in range(100):
        await kv.set(f"old{i}", b"v", ttl_s=0.01)
    await asyncio.sleep(0.02)
    await kv.set("new", b"v")
    assert kv._data.keys() == {"new"}
    for _ in range(5000):  # rewriting a long-lived key must not pile up expiry entries
        await kv.set("hot", b"v", ttl_s=3600)
    assert len(kv._expiry) <= 2 * len(kv._data) + 1024


async def test_memory_keeps_values_compact() -> None:
    # Backend-specific: orjson returns small bytes over a ~4 KiB buffer; a store holding a
    # million feature-metadata values must not keep those buffers (it once cost 3.7 GiB).
    kv = MemoryKV("memory://")
    tracemalloc.start()
    try:
        for i in range(2000):
            await kv.set(f"vm:{i}", orjson.dumps({"author_id": i, "hashtags": ["a"]}))
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held / 2000 < 1000  # bytes per key, the key and dict slot included
    assert await kv.get("vm:7") == orjson.dumps({"author_id": 7, "hashtags": ["a"]})

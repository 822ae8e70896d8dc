"""IDs: 64-bit, positive, time-ordered, unique, and they carry their shard."""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from foryou import ids
from foryou.platform import Platform
from foryou.platform.sql.migrate import upgrade_all
from foryou.settings import Settings


def test_ids_carry_their_logical_shard_and_time() -> None:
    before = int(time.time() * 1000)
    for shard in (0, 1, 517, ids.LOGICAL_SHARDS - 1):
        id_ = ids.new_id(shard)
        assert 0 < id_ < 2**63
        assert ids.logical_shard_of(id_) == shard
        assert before - 1 <= ids.timestamp_ms_of(id_) <= int(time.time() * 1000) + 1


def test_ids_increase_and_never_repeat_even_across_threads() -> None:
    out: list[list[int]] = [[] for _ in range(4)]

    def mint(bucket: list[int]) -> None:
        bucket.extend(ids.new_id(7) for _ in range(20_000))

    threads = [threading.Thread(target=mint, args=(b,)) for b in out]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for bucket in out for i in bucket]
    assert len(set(every)) == len(every) == 80_000
    for bucket in out:
        assert bucket == sorted(bucket)


def test_a_username_always_names_the_same_shard() -> None:
    shards = {ids.logical_shard_of_name(f"user{i}") for i in range(5000)}
    assert ids.logical_shard_of_name("ada") == ids.logical_shard_of_name("ada")
    assert len(shards) > 900  # spread over (nearly) all 1,024 logical shards


def test_lowest_id_at_bounds_ids_minted_later() -> None:
    now = int(time.time() * 1000)
    assert ids.lowest_id_at(now) <= ids.new_id(3)


def test_every_id_keeps_its_worker_bits() -> None:
    generator = ids.IdGenerator(worker=37)
    minted = [generator.new(900) for _ in range(1000)]  # spans several ms: sequence rolls over
    assert {ids.worker_of(i) for i in minted} == {37}
    assert {ids.logical_shard_of(i) for i in minted} == {900}
    with pytest.raises(RuntimeError, match="holds no ID worker slot"):
        ids.IdGenerator().new(1)


def _mint_in_a_process(data_dir: str, count: int, barrier: Any) -> list[int]:
    async def main() -> list[int]:
        platform = Platform.open(Settings(data_dir=Path(data_dir)))
        try:
            await platform.start_minting()
            barrier.wait()  # both processes mint in the same milliseconds
            return [ids.new_id(11) for _ in range(count)]
        finally:
            await platform.close()

    return asyncio.run(main())


def test_processes_sharing_a_platform_never_mint_the_same_id(tmp_path: Path) -> None:
    async def migrate() -> None:
        platform = Platform.open(Settings(data_dir=tmp_path))
        await upgrade_all(platform.sql)
        await platform.close()

    asyncio.run(migrate())
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(2, mp_context=context) as pool:
        barrier = manager.Barrier(2)
        futures = [pool.submit(_mint_in_a_process, str(tmp_path), 50_000, barrier) for _ in "ab"]
        first, second = (f.result(timeout=120) for f in futures)
    assert {ids.worker_of(first[0])} != {ids.worker_of(second[0])}
    assert len(set(first) | set(second)) == 100_000


def test_catalog_scores_are_exact_in_a_double() -> None:
    from foryou.stream.catalog import recency_score

    newest = ids.IdGenerator(worker=ids.WORKERS - 1).new(ids.LOGICAL_SHARDS - 1)
    score = recency_score(newest)
    assert score == float(int(score)) and int(score) < 2**53

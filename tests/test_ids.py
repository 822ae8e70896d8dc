"""IDs: 64-bit, positive, time-ordered, unique, and they carry their shard."""

from __future__ import annotations

import threading
import time

from foryou import ids


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

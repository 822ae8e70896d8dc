"""64-bit, time-ordered IDs that carry their shard.

Layout (63 bits, always positive): 41 bits of milliseconds since ``EPOCH_MS``, 10 bits of
*logical* shard, 6 bits of worker, 6 bits of sequence. A logical shard maps to a physical
shard by modulo, so any ID says where its row lives without a lookup, and IDs sort by
creation time. The worker bits keep concurrent processes apart: each process that mints IDs
holds one of the ``WORKERS`` slots (``foryou.platform.id_slots``), so two processes never mint
the same ID even in the same millisecond.

Users get the logical shard of their username's hash, so a username also finds its shard
without a lookup; everything a user owns takes the user's logical shard.
"""

from __future__ import annotations

import hashlib
import threading
import time

EPOCH_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
SHARD_BITS = 10
WORKER_BITS = 6
SEQUENCE_BITS = 6
LOGICAL_SHARDS = 1 << SHARD_BITS
WORKERS = 1 << WORKER_BITS
LOW_BITS = WORKER_BITS + SEQUENCE_BITS
_SEQUENCE_MASK = (1 << SEQUENCE_BITS) - 1
_SHARD_MASK = LOGICAL_SHARDS - 1


class IdGenerator:
    """Thread-safe generator; ``new(shard)`` never repeats within a process."""

    def __init__(self, worker: int | None = None) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._sequence = 0
        self._worker = worker

    @property
    def worker(self) -> int | None:
        return self._worker

    @worker.setter
    def worker(self, worker: int) -> None:
        if not 0 <= worker < WORKERS:
            raise ValueError(f"worker must be in [0, {WORKERS}), got {worker}")
        self._worker = worker

    def new(self, logical_shard: int) -> int:
        if self._worker is None:
            raise RuntimeError(
                "this process holds no ID worker slot; open the platform with "
                "Platform.start_minting() before minting IDs"
            )
        with self._lock:
            now = max(int(time.time() * 1000) - EPOCH_MS, self._last_ms)
            if now == self._last_ms:
                self._sequence = (self._sequence + 1) & _SEQUENCE_MASK
                if self._sequence == 0:  # sequence spent in this ms: borrow the next ms
                    now += 1
            else:
                self._sequence = 0
            self._last_ms = now
            low = (self._worker << SEQUENCE_BITS) | self._sequence
        return (now << (SHARD_BITS + LOW_BITS)) | ((logical_shard & _SHARD_MASK) << LOW_BITS) | low


_generator = IdGenerator()


def new_id(logical_shard: int) -> int:
    return _generator.new(logical_shard)


def set_worker(worker: int) -> None:
    """Mint this process's IDs with the worker bits of the slot it holds."""
    _generator.worker = worker


def logical_shard_of(id_: int) -> int:
    return (id_ >> LOW_BITS) & _SHARD_MASK


def worker_of(id_: int) -> int:
    return (id_ >> SEQUENCE_BITS) & (WORKERS - 1)


def timestamp_ms_of(id_: int) -> int:
    return (id_ >> (SHARD_BITS + LOW_BITS)) + EPOCH_MS


def lowest_id_at(ms: int) -> int:
    """The smallest ID minted at Unix time ``ms``: a cursor bound for time ranges."""
    return max(ms - EPOCH_MS, 0) << (SHARD_BITS + LOW_BITS)


def id_at(ms: int, logical_shard: int, low: int = 0) -> int:
    """An ID as if minted at Unix time ``ms`` (imports and replays of older content);
    ``low`` fills the worker and sequence bits, which keep such IDs apart."""
    return (
        lowest_id_at(ms)
        | ((logical_shard & _SHARD_MASK) << LOW_BITS)
        | (low & ((1 << LOW_BITS) - 1))
    )


def logical_shard_of_name(name: str) -> int:
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & _SHARD_MASK

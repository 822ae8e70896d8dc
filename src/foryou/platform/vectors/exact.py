"""Brute-force index for ``exact://?dim=N``: the baseline and the test double.

Vectors sit in one contiguous float32 matrix (removal moves the last row into the hole), so
a search is one matrix-vector product: fine up to a few hundred thousand vectors.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from foryou.platform.blobs import Blobs
from foryou.platform.vectors import (
    ReadWriteLock,
    VectorsLike,
    as_ids,
    as_rows,
    int_option,
    last_wins,
    load_snapshot,
    present,
    save_snapshot,
    url_options,
)

_BACKEND = "exact"


class ExactIndex:
    def __init__(self, url: str = "exact://?dim=384") -> None:
        self._dim = int_option(url_options(url), "dim")
        self._lock = ReadWriteLock()
        self._ids = np.empty(0, dtype=np.int64)
        self._rows = np.empty((0, self._dim), dtype=np.float32)
        self._pos: dict[int, int] = {}  # id -> row
        self._size = 0

    @property
    def dim(self) -> int:
        return self._dim

    def __len__(self) -> int:
        return self._size

    def __contains__(self, id: object) -> bool:
        return id in self._pos

    def add(self, ids: Sequence[int] | npt.NDArray[np.int64], vectors: VectorsLike) -> None:
        keys = as_ids(ids)
        keys, rows = last_wins(keys, as_rows(vectors, self._dim, len(keys)))
        with self._lock.writing():
            for key, row in zip(keys.tolist(), rows, strict=True):
                at = self._pos.get(key)
                if at is None:
                    at = self._append(key)
                self._rows[at] = row

    def remove(self, ids: Iterable[int]) -> int:
        removed = 0
        with self._lock.writing():
            for key in ids:
                at = self._pos.pop(int(key), None)
                if at is None:
                    continue
                removed += 1
                last = self._size - 1
                if at != last:
                    moved = int(self._ids[last])
                    self._ids[at] = moved
                    self._rows[at] = self._rows[last]
                    self._pos[moved] = at
                self._size = last
        return removed

    def search(
        self, vector: VectorsLike, k: int, *, exclude: set[int] | None = None
    ) -> list[tuple[int, float]]:
        query = as_rows(vector, self._dim, 1)[0]
        with self._lock.reading():
            if k <= 0 or self._size == 0:
                return []
            ids = self._ids[: self._size]
            sims = self._rows[: self._size] @ query
            if exclude:
                sims[np.isin(ids, np.fromiter(exclude, np.int64, len(exclude)))] = -np.inf
            take = min(k, self._size)
            top = np.argpartition(-sims, take - 1)[:take]
            top = top[np.argsort(-sims[top], kind="stable")]
            return [(int(ids[i]), float(sims[i])) for i in top if sims[i] != -np.inf]

    def get_many(self, ids: Sequence[int]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]:
        with self._lock.reading():
            positions, rows = present(ids, self._pos)
            return np.asarray(positions, dtype=np.intp), self._rows[rows]

    async def save(self, blobs: Blobs, key: str) -> None:
        await save_snapshot(blobs, key, _BACKEND, self._dim, self._write)

    def _write(self, out: BinaryIO) -> None:
        with self._lock.reading():  # np.save writes the rows to the file without a copy
            np.save(out, self._ids[: self._size], allow_pickle=False)
            np.save(out, self._rows[: self._size], allow_pickle=False)

    async def load(self, blobs: Blobs, key: str) -> None:
        ids, rows, pos = await load_snapshot(blobs, key, _BACKEND, self._dim, self._read)
        with self._lock.writing():
            self._ids, self._rows, self._size, self._pos = ids, rows, len(ids), pos

    def _read(
        self, src: BinaryIO
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32], dict[int, int]]:
        try:
            ids = np.load(src, allow_pickle=False).astype(np.int64, copy=False)
            rows = np.load(src, allow_pickle=False).astype(np.float32, copy=False)
        except (OSError, EOFError, ValueError) as exc:
            raise ValueError(f"vectors: corrupt exact index blob: {exc}") from exc
        if ids.ndim != 1 or rows.shape != (len(ids), self._dim):
            raise ValueError("vectors: corrupt exact index blob")
        return ids, rows, {key: at for at, key in enumerate(ids.tolist())}

    def _append(self, key: int) -> int:
        if self._size == len(self._ids):  # grow by doubling
            capacity = max(16, 2 * self._size)
            self._ids = np.resize(self._ids, capacity)
            rows = np.zeros((capacity, self._dim), dtype=np.float32)
            rows[: self._size] = self._rows[: self._size]
            self._rows = rows
        at = self._size
        self._ids[at] = key
        self._pos[key] = at
        self._size += 1
        return at

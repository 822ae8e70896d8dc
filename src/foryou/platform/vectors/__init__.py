"""Vectors port: an in-process ANN index over int64 video ids and float32 vectors.

Backends: ``faiss://?dim=384&storage=fp16`` (faiss HNSW, the default) and
``exact://?dim=384`` (brute force in numpy: the baseline and the test double). The
dimension is fixed per index. Similarity is cosine: vectors are L2-normalised on the way
in, and ``search`` returns ``(id, similarity)`` best first.

An index lives in one process; ``save`` writes it to the blobs port as one blob and
``load`` replaces the index's content with a saved one (each api replica rebuilds its own).

Thread safety: every backend guards its state with a ``ReadWriteLock``, so one index can be
shared by threads (a consumer adding vectors while request handlers search). Reads
(``search``, ``get_many``, a snapshot) run side by side and wait only for a write in
progress; request handlers run ``search`` through ``asyncio.to_thread`` and call
``get_many`` on the loop, which a search in flight no longer holds up.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, Protocol, TypeVar
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import numpy.typing as npt

from foryou.platform.blobs import Blobs, check_key
from foryou.platform.registry import open_backend

BACKENDS = {
    "faiss": "foryou.platform.vectors.faiss:FaissIndex",
    "exact": "foryou.platform.vectors.exact:ExactIndex",
}

DEFAULT_URL = "faiss://?dim=384&storage=fp16"

VectorsLike = npt.ArrayLike  # shape (n, dim) for add, (dim,) for search
T = TypeVar("T")


class VectorIndex(Protocol):
    @property
    def dim(self) -> int: ...

    def add(self, ids: Sequence[int] | npt.NDArray[np.int64], vectors: VectorsLike) -> None:
        """Upsert: an id already present gets the new vector. Within one call the last
        vector for a repeated id wins."""
        ...

    def remove(self, ids: Iterable[int]) -> int:
        """Drop ids (missing ones are ignored); the number that were present."""
        ...

    def search(
        self, vector: VectorsLike, k: int, *, exclude: set[int] | None = None
    ) -> list[tuple[int, float]]:
        """Up to ``k`` nearest ids by cosine similarity, best first, none in ``exclude``."""
        ...

    def get_many(self, ids: Sequence[int]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]:
        """The stored (normalised) vectors of those ``ids`` present: their positions in
        ``ids`` and one row each, in that order. One lock and one index call for them all."""
        ...

    def __contains__(self, id: object) -> bool: ...

    def __len__(self) -> int: ...

    async def save(self, blobs: Blobs, key: str) -> None:
        """Write the whole index to ``key``."""
        ...

    async def load(self, blobs: Blobs, key: str) -> None:
        """Replace the content with the index saved at ``key``; raises BlobNotFound, and
        ValueError for a blob of another backend or dimension."""
        ...


class ReadWriteLock:
    """Any number of readers at once, or one writer. A waiting writer goes before readers
    that come after it, so a steady stream of searches cannot starve ``add``.

    With one plain lock, the loop's ``get_many`` waited out every search in flight in the
    worker threads: at 1M vectors that wait was among the feed loop's most sampled stalls
    (bench/README.md)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._readers = 0
        self._writers = 0  # waiting or writing
        self._writing = False

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: not self._writers)
            self._readers += 1
        try:
            yield
        finally:
            with self._changed:
                self._readers -= 1
                if not self._readers:
                    self._changed.notify_all()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        with self._changed:
            self._writers += 1
            self._changed.wait_for(lambda: not self._readers and not self._writing)
            self._writing = True
        try:
            yield
        finally:
            with self._changed:
                self._writers -= 1
                self._writing = False
                self._changed.notify_all()


def open_vectors(url: str = DEFAULT_URL) -> VectorIndex:
    index: VectorIndex = open_backend("vectors", url, BACKENDS)
    return index


def url_options(url: str) -> dict[str, str]:
    """The query parameters of a backend URL."""
    return dict(parse_qsl(urlsplit(url).query, strict_parsing=False))


def present(ids: Sequence[int], slots: dict[int, int]) -> tuple[list[int], list[int]]:
    """For ``get_many``: the positions in ``ids`` of those in ``slots``, and their slots."""
    found = [(at, slot) for at, id in enumerate(ids) if (slot := slots.get(int(id))) is not None]
    return [at for at, _ in found], [slot for _, slot in found]


def int_option(options: dict[str, str], name: str, default: int | None = None) -> int:
    raw = options.get(name)
    if raw is None:
        if default is None:
            raise ValueError(f"vectors: the URL needs ?{name}=")
        return default
    value = int(raw)
    if value <= 0:
        raise ValueError(f"vectors: {name} must be positive, got {value}")
    return value


def as_ids(ids: Sequence[int] | npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    arr = np.asarray(ids, dtype=np.int64).reshape(-1)
    return arr


def as_rows(vectors: VectorsLike, dim: int, count: int) -> npt.NDArray[np.float32]:
    """``count`` L2-normalised float32 rows of width ``dim`` (a zero vector stays zero)."""
    rows = np.asarray(vectors, dtype=np.float32)
    if rows.ndim == 1:
        rows = rows.reshape(1, -1)
    if rows.shape != (count, dim):
        raise ValueError(f"vectors: expected shape ({count}, {dim}), got {rows.shape}")
    if not np.isfinite(rows).all():
        raise ValueError("vectors: a vector has NaN or infinite values")
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)


def last_wins(
    ids: npt.NDArray[np.int64], rows: npt.NDArray[np.float32]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Drop earlier duplicates of an id within one batch."""
    if len(np.unique(ids)) == len(ids):
        return ids, rows
    _, first_of_reversed = np.unique(ids[::-1], return_index=True)
    keep = np.sort(len(ids) - 1 - first_of_reversed)
    return ids[keep], rows[keep]


# Version 2 streams the payload through a file; version 1 held it as one npz in memory, and
# its copies of a 1M index held the loop for up to 2.8 s (bench/README.md). A version-1 blob
# does not load: the embeddings processor replaces it on its next save.
_MAGIC = b"FYVX2\n"
_HEADER_MAX = 256


def header(backend: str, dim: int) -> bytes:
    """What a snapshot starts with: magic, then a line naming backend and dimension."""
    return _MAGIC + f"{backend} {dim}\n".encode()


async def save_snapshot(
    blobs: Blobs, key: str, backend: str, dim: int, write: Callable[[BinaryIO], None]
) -> None:
    """Write ``key``: the header, then what ``write`` writes to the file it is given.

    ``write`` runs in a worker thread and writes into a temporary file, which is then put
    as it is: no copy of the payload is held in memory, so the loop is not held up by one
    and the memory peak does not grow by the index's size. The temporary directory (under
    ``TMPDIR``) needs room for one copy of the index. A bad key fails before any writing."""
    check_key(key)
    async with _scratch_file() as path:

        def fill() -> None:
            with open(path, "wb") as out:
                out.write(header(backend, dim))
                write(out)

        await asyncio.to_thread(fill)
        await blobs.put_file(key, path)


async def load_snapshot(
    blobs: Blobs, key: str, backend: str, dim: int, read: Callable[[BinaryIO], T]
) -> T:
    """What ``read`` makes of the payload of ``key``, read from a downloaded copy in a worker
    thread; raises BlobNotFound, and ValueError for a blob that is not a snapshot of the
    same backend and dimension."""
    async with _scratch_file() as path:
        await blobs.download(key, path)

        def parse() -> T:
            with open(path, "rb") as src:
                _check_header(src, backend, dim)
                return read(src)

        return await asyncio.to_thread(parse)


@contextlib.asynccontextmanager
async def _scratch_file() -> AsyncIterator[Path]:
    """A path in a new temporary directory, removed afterwards in a worker thread: unlinking
    a 1 GB file held the loop for ~20 ms."""
    directory = Path(tempfile.mkdtemp(prefix="foryou-vectors-"))
    try:
        yield directory / "snapshot"
    finally:
        await asyncio.to_thread(shutil.rmtree, directory, ignore_errors=True)


def _check_header(src: BinaryIO, backend: str, dim: int) -> None:
    if src.readline(_HEADER_MAX) != _MAGIC:
        raise ValueError("vectors: not a saved vector index, or one saved by an older version")
    line = src.readline(_HEADER_MAX).decode(errors="replace").rstrip("\n")
    saved_backend, _, saved_dim = line.partition(" ")
    if saved_backend != backend or saved_dim != str(dim):
        raise ValueError(
            f"vectors: blob holds a {saved_backend} index of dim {saved_dim}, "
            f"not {backend} of dim {dim}"
        )

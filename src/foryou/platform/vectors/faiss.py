"""HNSW index for ``faiss://?dim=N&m=32&ef_construction=128&ef_search=256&storage=fp32``.

Built on ``faiss-cpu`` (``IndexHNSWFlat``, inner product over L2-normalised float32 rows:
cosine). ``storage=fp16`` keeps the rows as half floats (``IndexHNSWSQ``): half the memory
for a million caption vectors (0.77 GB instead of 1.5 GB), scores within ~1e-3. HNSW graphs
in faiss cannot delete, so a removed or replaced video leaves a tombstone that searches skip;
once tombstones pass a quarter of the graph, it is rebuilt from the live rows. Internal
labels are insertion positions, mapped to int64 video ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import BinaryIO

import faiss
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

_BACKEND = "faiss"
_REBUILD_SHARE = 0.25
_REBUILD_MIN = 1000


class FaissIndex:
    def __init__(self, url: str = "faiss://?dim=384") -> None:
        options = url_options(url)
        self._dim = int_option(options, "dim")
        self._m = int_option(options, "m", 32)
        self._ef_construction = int_option(options, "ef_construction", 128)
        self._ef_search = int_option(options, "ef_search", 256)
        self._storage = options.get("storage", "fp32")
        if self._storage not in ("fp32", "fp16"):
            raise ValueError(f"vectors: storage must be fp32 or fp16, not {self._storage!r}")
        self._lock = ReadWriteLock()
        self._reset()

    def _graph(self) -> faiss.IndexHNSW:
        graph: faiss.IndexHNSW
        if self._storage == "fp16":  # (the stubs miss this overload: a quantizer type)
            fp16 = faiss.ScalarQuantizer.QT_fp16
            graph = faiss.IndexHNSWSQ(self._dim, fp16, self._m, faiss.METRIC_INNER_PRODUCT)  # type: ignore[arg-type]
        else:
            graph = faiss.IndexHNSWFlat(self._dim, self._m, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = self._ef_construction
        graph.hnsw.efSearch = self._ef_search
        return graph

    def _reset(self) -> None:
        self._index: faiss.Index = self._graph()
        self._ids: list[int] = []  # label -> video id
        self._labels: dict[int, int] = {}  # live video id -> label
        self._dead: set[int] = set()  # tombstoned labels

    @property
    def dim(self) -> int:
        return self._dim

    def __len__(self) -> int:
        return len(self._labels)

    def __contains__(self, id: object) -> bool:
        return isinstance(id, int | np.integer) and int(id) in self._labels

    def add(self, ids: Sequence[int] | npt.NDArray[np.int64], vectors: VectorsLike) -> None:
        keys_in = as_ids(ids)
        ids_, rows = last_wins(keys_in, as_rows(vectors, self._dim, len(keys_in)))
        if len(ids_) == 0:
            return
        with self._lock.writing():
            for video_id in ids_.tolist():
                old = self._labels.pop(video_id, None)
                if old is not None:
                    self._dead.add(old)
            start = len(self._ids)
            self._index.add(np.ascontiguousarray(rows, dtype=np.float32))
            for offset, video_id in enumerate(ids_.tolist()):
                self._ids.append(video_id)
                self._labels[video_id] = start + offset
            self._maybe_rebuild()

    def remove(self, ids: Iterable[int]) -> int:
        with self._lock.writing():
            removed = 0
            for video_id in {int(i) for i in ids}:
                label = self._labels.pop(video_id, None)
                if label is not None:
                    self._dead.add(label)
                    removed += 1
            self._maybe_rebuild()
            return removed

    def _maybe_rebuild(self) -> None:
        dead = len(self._dead)
        if dead < _REBUILD_MIN or dead < _REBUILD_SHARE * len(self._ids):
            return
        live = sorted(self._labels.items(), key=lambda pair: pair[1])
        rows = np.vstack([self._index.reconstruct(label) for _, label in live])
        self._reset()
        self._index.add(rows)
        for label, (video_id, _) in enumerate(live):
            self._ids.append(video_id)
            self._labels[video_id] = label

    def search(
        self, vector: VectorsLike, k: int, *, exclude: set[int] | None = None
    ) -> list[tuple[int, float]]:
        query = as_rows(vector, self._dim, 1)
        skip = exclude or set()
        with self._lock.reading():
            if k <= 0 or not self._labels:
                return []
            hidden = len(self._dead) + sum(1 for i in skip if i in self._labels)
            fetch = min(len(self._ids), k + hidden)
            scores, labels = self._index.search(query, fetch)
            found = []
            for score, label in zip(scores[0].tolist(), labels[0].tolist(), strict=True):
                if label < 0 or label in self._dead:
                    continue
                video_id = self._ids[label]
                if video_id not in skip:
                    found.append((video_id, float(score)))
        return found[:k]

    def get_many(self, ids: Sequence[int]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]:
        with self._lock.reading():
            positions, labels = present(ids, self._labels)
            rows = self._index.reconstruct_batch(np.asarray(labels, dtype=np.int64))
        return np.asarray(positions, dtype=np.intp), np.asarray(rows, dtype=np.float32)

    # Writing and reading a snapshot run in a worker thread, straight between the graph and a
    # file: the in-memory npz this replaced held the loop for up to 2.8 s at 1M fp16 rows while
    # it copied the ~1 GB payload (bench/README.md).
    async def save(self, blobs: Blobs, key: str) -> None:
        await save_snapshot(blobs, key, _BACKEND, self._dim, self._write)

    def _write(self, out: BinaryIO) -> None:
        with self._lock.reading():  # searches go on; a write waits for the snapshot
            np.save(out, np.asarray(self._ids, dtype=np.int64), allow_pickle=False)
            np.save(out, np.asarray(sorted(self._dead), dtype=np.int64), allow_pickle=False)
            # faiss calls out.write with 1 MB at a time, and each write lets go of the GIL
            # (the stubs miss the callback classes)
            faiss.write_index(self._index, faiss.PyCallbackIOWriter(out.write))  # type: ignore[attr-defined]

    async def load(self, blobs: Blobs, key: str) -> None:
        graph, ids, dead, labels = await load_snapshot(blobs, key, _BACKEND, self._dim, self._read)
        with self._lock.writing():
            self._index, self._ids, self._dead, self._labels = graph, ids, dead, labels

    def _read(self, src: BinaryIO) -> tuple[faiss.Index, list[int], set[int], dict[int, int]]:
        try:
            ids = np.load(src, allow_pickle=False).tolist()
            dead = set(np.load(src, allow_pickle=False).tolist())
            # the wrapper read_index returns owns the C++ index: keep that one
            graph = faiss.read_index(faiss.PyCallbackIOReader(src.read))  # type: ignore[attr-defined]
        except (ValueError, OSError, EOFError, RuntimeError) as exc:
            raise ValueError(f"vectors: corrupt faiss index blob: {exc}") from exc
        if graph.d != self._dim or graph.ntotal != len(ids):
            raise ValueError("vectors: corrupt faiss index blob")
        faiss.ParameterSpace().set_index_parameter(graph, "efSearch", self._ef_search)
        # built here, not on the loop: at 1M ids this dict takes a few hundred ms
        labels = {v: label for label, v in enumerate(ids) if label not in dead}
        return graph, ids, dead, labels

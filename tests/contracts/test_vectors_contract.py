"""Contract suite for the vectors port: every backend must pass the same tests.

Both backends are in-process; the saved index goes through the local blobs backend.
"""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from foryou.platform.blobs import BlobNotFound, open_blobs
from foryou.platform.vectors import VectorIndex, header, open_vectors

DIM = 8
URLS = {
    "exact": f"exact://?dim={DIM}",
    "faiss": f"faiss://?dim={DIM}",
    "faiss-fp16": f"faiss://?dim={DIM}&storage=fp16",
}


@pytest.fixture(params=sorted(URLS))
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def index(backend: str) -> VectorIndex:
    return open_vectors(URLS[backend])


def unit(*values: float) -> npt.NDArray[np.float32]:
    vector = np.zeros(DIM, dtype=np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


def stored(index: VectorIndex, id: int) -> npt.NDArray[np.float32] | None:
    """The one vector ``id`` has in the index, or None."""
    _, rows = index.get_many([id])
    return rows[0] if len(rows) else None


def ids_of(hits: list[tuple[int, float]]) -> list[int]:
    return [video_id for video_id, _ in hits]


def test_empty_index(index: VectorIndex) -> None:
    assert len(index) == 0
    assert index.dim == DIM
    assert index.search(unit(1), 5) == []
    assert stored(index, 1) is None
    assert 1 not in index
    assert index.remove([1, 2]) == 0


def test_search_order_and_scores(index: VectorIndex) -> None:
    # Angles 0, 30, 60 and 90 degrees from the query along the first axis.
    index.add([10, 20, 30, 40], [unit(1), unit(3**0.5, 1), unit(1, 3**0.5), unit(0, 1)])
    hits = index.search(unit(1), 4)
    assert ids_of(hits) == [10, 20, 30, 40]
    # (fp16 storage rounds scores to ~1e-3)
    assert [s for _, s in hits] == pytest.approx([1.0, 3**0.5 / 2, 0.5, 0.0], abs=1e-3)
    assert ids_of(index.search(unit(1), 2)) == [10, 20]
    assert ids_of(index.search(unit(1), 0)) == []
    assert ids_of(index.search(unit(1), 99)) == [10, 20, 30, 40]
    # Cosine: the length of a vector does not count, neither stored nor queried.
    index.add([50], [7 * unit(-1)])
    assert ids_of(index.search(5 * unit(-1), 1)) == [50]


def test_upsert_replaces(index: VectorIndex) -> None:
    index.add([1, 2], [unit(1), unit(0, 1)])
    index.add([1], [unit(0, 0, 1)])
    assert len(index) == 2
    assert ids_of(index.search(unit(0, 0, 1), 1)) == [1]
    assert dict(index.search(unit(1), 2))[1] == pytest.approx(0.0, abs=1e-6)
    vector = stored(index, 1)
    assert vector is not None
    np.testing.assert_allclose(vector, unit(0, 0, 1), atol=1e-6)
    # A repeated id within one batch: the last vector wins.
    index.add([3, 3], [unit(1), unit(0, 1)])
    assert len(index) == 3
    np.testing.assert_allclose(stored(index, 3), unit(0, 1), atol=1e-6)  # type: ignore[arg-type]


def test_get_many_answers_the_present_ids_in_order(index: VectorIndex) -> None:
    index.add([1, 2, 3], [unit(1), unit(0, 1), unit(0, 0, 1)])
    index.remove([2])
    positions, rows = index.get_many([3, 2, 99, 1, 3])
    assert positions.tolist() == [0, 3, 4]  # 2 is removed, 99 was never there
    np.testing.assert_allclose(rows, [unit(0, 0, 1), unit(1), unit(0, 0, 1)], atol=1e-3)
    for ids in ([], [2, 99]):
        positions, rows = index.get_many(ids)
        assert positions.shape == (0,) and rows.shape == (0, DIM)


def test_large_ids_round_trip(index: VectorIndex) -> None:
    big, negative = 2**62 + 12345, -7
    index.add(np.array([big, negative], dtype=np.int64), [unit(1), unit(0, 1)])
    assert ids_of(index.search(unit(1), 1)) == [big]
    assert ids_of(index.search(unit(0, 1), 1)) == [negative]
    assert big in index


def test_remove(index: VectorIndex) -> None:
    index.add([1, 2, 3], [unit(1), unit(1, 0.1), unit(0, 1)])
    assert index.remove([2, 99]) == 1
    assert len(index) == 2
    assert 2 not in index
    assert stored(index, 2) is None
    assert ids_of(index.search(unit(1), 3)) == [1, 3]
    assert index.remove([2]) == 0
    index.add([2], [unit(1, 0.1)])  # re-adding a removed id works
    assert ids_of(index.search(unit(1), 3)) == [1, 2, 3]


def test_exclude(index: VectorIndex) -> None:
    index.add([1, 2, 3, 4], [unit(1), unit(1, 0.1), unit(1, 0.2), unit(0, 1)])
    assert ids_of(index.search(unit(1), 2, exclude={1})) == [2, 3]
    assert ids_of(index.search(unit(1), 2, exclude={1, 2, 77})) == [3, 4]
    assert index.search(unit(1), 2, exclude={1, 2, 3, 4}) == []
    assert ids_of(index.search(unit(1), 2, exclude=set())) == [1, 2]


def test_exclude_many_absent_ids(index: VectorIndex) -> None:
    index.add([1, 2, 3], [unit(1), unit(1, 0.1), unit(0, 1)])
    exclude = set(range(1000, 50_000)) | {1}
    assert ids_of(index.search(unit(1), 2, exclude=exclude)) == [2, 3]


def test_threads_share_one_index(index: VectorIndex) -> None:
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((400, DIM)).astype(np.float32)

    def writer(part: int) -> None:
        for start in range(part * 100, part * 100 + 100, 10):
            index.add(list(range(start, start + 10)), vectors[start : start + 10])
            index.search(vectors[start], 3)
        index.remove(range(part * 100, part * 100 + 50))

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(writer, range(4)))
    assert len(index) == 200
    assert ids_of(index.search(vectors[399], 1)) == [399]


def test_rejects_wrong_shapes(index: VectorIndex) -> None:
    with pytest.raises(ValueError):
        index.add([1], [np.ones(DIM + 1, dtype=np.float32)])
    with pytest.raises(ValueError):
        index.add([1, 2], [unit(1)])
    with pytest.raises(ValueError):
        index.search(np.ones(DIM - 1, dtype=np.float32), 1)
    with pytest.raises(ValueError):
        index.add([1], [np.full(DIM, np.nan, dtype=np.float32)])
    assert len(index) == 0


async def test_save_load_round_trip(backend: str, index: VectorIndex, tmp_path: Path) -> None:
    blobs = open_blobs(f"file://{tmp_path}")
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((200, DIM)).astype(np.float32)
    ids = np.arange(200, dtype=np.int64) * 1_000_003
    index.add(ids, vectors)
    index.remove([int(ids[5])])
    await index.save(blobs, "vectors/test.idx")

    restored = open_vectors(URLS[backend])
    restored.add([123456], [unit(1)])  # replaced by the load
    await restored.load(blobs, "vectors/test.idx")
    assert len(restored) == 199
    assert 123456 not in restored
    assert int(ids[5]) not in restored
    for query in vectors[:20]:
        assert restored.search(query, 5) == pytest.approx(index.search(query, 5))
    np.testing.assert_allclose(stored(restored, int(ids[9])), stored(index, int(ids[9])))  # type: ignore[arg-type]
    # Still writable after a load.
    restored.add([ids[0]], [unit(0, 0, 0, 1)])
    assert ids_of(restored.search(unit(0, 0, 0, 1), 1)) == [int(ids[0])]

    with pytest.raises(BlobNotFound):
        await restored.load(blobs, "vectors/missing.idx")
    other_dim = open_vectors(URLS[backend].replace(f"dim={DIM}", f"dim={DIM * 2}"))
    with pytest.raises(ValueError):
        await other_dim.load(blobs, "vectors/test.idx")
    await blobs.close()


async def test_load_rejects_other_blobs(backend: str, index: VectorIndex, tmp_path: Path) -> None:
    blobs = open_blobs(f"file://{tmp_path}")
    index.add([1], [unit(1)])
    other = "faiss" if backend == "exact" else "exact"
    await open_vectors(URLS[other]).save(blobs, "vectors/other.idx")
    await blobs.put("vectors/plain.bin", b"not an index")
    own = header(backend.partition("-")[0], DIM)  # faiss-fp16 saves as faiss
    await blobs.put("vectors/corrupt.idx", own + b"\x93NUMPY garbage" * 10)
    await blobs.put("vectors/old.idx", b"FYVX1\n" + own.partition(b"\n")[2] + b"PK\x03\x04")
    await index.save(blobs, "vectors/whole.idx")
    whole = await blobs.get("vectors/whole.idx")
    await blobs.put("vectors/truncated.idx", whole[: len(whole) - 40])
    for name in ("other.idx", "plain.bin", "corrupt.idx", "old.idx", "truncated.idx"):
        with pytest.raises(ValueError):
            await index.load(blobs, f"vectors/{name}")
    assert ids_of(index.search(unit(1), 5)) == [1]  # a failed load leaves the index as it was
    await blobs.close()


async def test_snapshots_leave_no_temporary_files(
    index: VectorIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A snapshot goes through a temporary file, removed whether the save or load worked."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    blobs = open_blobs(f"file://{tmp_path / 'blobs'}")
    index.add([1, 2], [unit(1), unit(0, 1)])
    await index.save(blobs, "vectors/a.idx")
    with pytest.raises(ValueError):  # an invalid key: nothing is written
        await index.save(blobs, "../escape.idx")
    await index.load(blobs, "vectors/a.idx")
    with pytest.raises(BlobNotFound):
        await index.load(blobs, "vectors/missing.idx")
    assert list(scratch.iterdir()) == []
    assert await blobs.list("vectors") == ["vectors/a.idx"]
    assert ids_of(index.search(unit(0, 1), 1)) == [2]
    await blobs.close()


def test_url_needs_dim(backend: str) -> None:
    with pytest.raises(ValueError):
        open_vectors(f"{backend}://")


def test_recall_against_exact() -> None:
    """The ANN backend finds ≥ 95% of the exact top 10 on random unit vectors (a worst
    case for HNSW: no clusters to exploit)."""
    rng = np.random.default_rng(2024)
    vectors = rng.standard_normal((5000, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(5000, dtype=np.int64) + 10**12
    exact = open_vectors("exact://?dim=384")
    ann = open_vectors("faiss://?dim=384")
    exact.add(ids, vectors)
    ann.add(ids, vectors)
    queries = rng.standard_normal((100, 384)).astype(np.float32)
    recall = np.mean(
        [
            len(set(ids_of(ann.search(q, 10))) & set(ids_of(exact.search(q, 10)))) / 10
            for q in queries
        ]
    )
    print(f"faiss HNSW recall@10 vs exact: {recall:.3f}")
    assert recall >= 0.95

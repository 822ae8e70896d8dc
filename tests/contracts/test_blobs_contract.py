"""Contract suite for the blobs port: every backend must pass the same tests.

``local`` runs in a tmp dir; ``s3`` runs against moto's S3 server on loopback, each test
under its own uuid prefix of one bucket.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from foryou.platform.blobs import BlobNotFound, Blobs, InvalidKey, open_blobs

BUCKET = "foryou-contract"


@pytest_asyncio.fixture(params=["local", "s3"])
async def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Blobs]:
    if request.param == "local":
        url = (tmp_path / "blobs").as_uri()
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        url = (
            f"s3://{BUCKET}/run-{uuid.uuid4().hex}"
            f"?endpoint_url={endpoint}&region=us-east-1&create_bucket=1"
        )
    store = open_blobs(url)
    yield store
    await store.close()


async def test_put_get_stat(blobs: Blobs) -> None:
    info = await blobs.put("videos/v1/original.mp4", b"hello", content_type="video/mp4")
    assert (info.key, info.size) == ("videos/v1/original.mp4", 5)
    assert info.etag and '"' not in info.etag
    assert await blobs.get("videos/v1/original.mp4") == b"hello"
    assert await blobs.stat("videos/v1/original.mp4") == info
    assert info.modified > 1.6e9  # Unix seconds

    empty = await blobs.put("empty", b"")
    assert empty.size == 0
    assert await blobs.get("empty") == b""


async def test_etag_changes_with_content(blobs: Blobs) -> None:
    first = await blobs.put("a", b"one")
    second = await blobs.put("a", b"two")  # same size, written right away
    assert second.etag != first.etag
    assert await blobs.get("a") == b"two"
    stat = await blobs.stat("a")
    assert stat is not None and stat.etag == second.etag


async def test_put_file_and_download_round_trip(blobs: Blobs, tmp_path: Path) -> None:
    data = os.urandom(9 * 1024 * 1024 + 123)  # past boto3's 8 MiB multipart threshold
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    info = await blobs.put_file("models/m.bin", src, content_type="application/octet-stream")
    assert info.size == len(data)
    assert await blobs.stat("models/m.bin") == info

    dst = tmp_path / "dst.bin"
    await blobs.download("models/m.bin", dst)
    assert dst.read_bytes() == data
    assert await blobs.get_range("models/m.bin", len(data) - 3, len(data) - 1) == data[-3:]


async def test_get_range(blobs: Blobs) -> None:
    data = bytes(range(100))
    await blobs.put("r", data)
    assert await blobs.get_range("r", 0, 0) == data[:1]
    assert await blobs.get_range("r", 10, 19) == data[10:20]
    assert await blobs.get_range("r", 99, 99) == data[99:]
    assert await blobs.get_range("r", 0, 99) == data
    assert await blobs.get_range("r", 90, 1000) == data[90:]  # end is clamped, as in HTTP
    assert await blobs.get_range("r", 100, 200) == b""
    with pytest.raises(ValueError):
        await blobs.get_range("r", 5, 4)
    with pytest.raises(ValueError):
        await blobs.get_range("r", -1, 4)


async def test_missing_blob(blobs: Blobs, tmp_path: Path) -> None:
    with pytest.raises(BlobNotFound):
        await blobs.get("nope")
    with pytest.raises(BlobNotFound):
        await blobs.get_range("nope", 0, 10)
    with pytest.raises(BlobNotFound):
        await blobs.download("nope", tmp_path / "out")
    assert await blobs.stat("nope") is None


async def test_a_prefix_is_not_a_blob(blobs: Blobs) -> None:
    await blobs.put("dir/file", b"x")
    assert await blobs.stat("dir") is None
    with pytest.raises(BlobNotFound):
        await blobs.get("dir")


async def test_delete_is_idempotent(blobs: Blobs) -> None:
    await blobs.put("d/x", b"x")
    await blobs.delete("d/x")
    assert await blobs.stat("d/x") is None
    await blobs.delete("d/x")
    await blobs.delete("never/was")
    assert await blobs.list("d") == []


async def test_delete_prefix_removes_exactly_that_subtree(blobs: Blobs) -> None:
    for key in ["a/b/1", "a/b/2", "a/b/c/3", "a/bc/4", "a/b.txt", "a/x", "b/1"]:
        await blobs.put(key, b"x")
    assert await blobs.delete_prefix("a/b") == 3
    assert await blobs.list("a") == ["a/b.txt", "a/bc/4", "a/x"]
    assert await blobs.list("b") == ["b/1"]
    assert await blobs.delete_prefix("a/b") == 0
    assert await blobs.delete_prefix("a") == 3
    assert await blobs.list("a") == []
    await blobs.put("a/b/again", b"x")  # the emptied prefix is writable again
    assert await blobs.list("a") == ["a/b/again"]


async def test_list_is_sorted_and_scoped(blobs: Blobs) -> None:
    for key in ["p/z", "p/a/2", "p/a/10", "p/B", "p/m", "pq/1", "p.txt"]:
        await blobs.put(key, b"x")
    assert await blobs.list("p") == ["p/B", "p/a/10", "p/a/2", "p/m", "p/z"]
    assert await blobs.list("p/a") == ["p/a/10", "p/a/2"]
    assert await blobs.list("nothing") == []


BAD_KEYS = ["../x", "a/../../x", "/abs", "a//b", "", "a/", ".hidden", "a/./b", "a\\b", "a b"]


@pytest.mark.parametrize("bad", BAD_KEYS)
async def test_invalid_keys_refused_everywhere(blobs: Blobs, bad: str, tmp_path: Path) -> None:
    src = tmp_path / "f"
    src.write_bytes(b"x")
    calls: list[Callable[[], Awaitable[object]]] = [
        lambda: blobs.put(bad, b"x"),
        lambda: blobs.put_file(bad, src),
        lambda: blobs.get(bad),
        lambda: blobs.get_range(bad, 0, 0),
        lambda: blobs.download(bad, tmp_path / "out"),
        lambda: blobs.stat(bad),
        lambda: blobs.delete(bad),
        lambda: blobs.delete_prefix(bad),
        lambda: blobs.list(bad),
    ]
    for call in calls:
        with pytest.raises(InvalidKey):
            await call()
    assert not (tmp_path / "out").exists()


async def test_ping(blobs: Blobs) -> None:
    assert await blobs.ping() is True


async def test_local_leaves_no_temp_files(tmp_path: Path) -> None:
    # Backend-specific: writes go through a temp file that must be renamed away.
    root = tmp_path / "blobs"
    blobs = open_blobs(root.as_uri())
    await blobs.put("a/b", b"x")
    src = tmp_path / "src"
    src.write_bytes(b"y" * 10_000)
    await blobs.put_file("a/c", src)
    await blobs.delete("a/b")
    assert sorted(p.name for p in root.rglob("*")) == ["a", "c"]
    await blobs.delete("a/c")
    assert list(root.iterdir()) == []  # empty parent dirs are pruned


async def test_local_key_cannot_be_blob_and_prefix(tmp_path: Path) -> None:
    # Backend-specific: a path is a file or a directory, not both (S3 allows it).
    blobs = open_blobs((tmp_path / "blobs").as_uri())
    await blobs.put("a/b", b"x")
    with pytest.raises(InvalidKey):
        await blobs.put("a", b"y")
    with pytest.raises(InvalidKey):
        await blobs.put("a/b/c", b"y")
    assert await blobs.list("a") == ["a/b"]

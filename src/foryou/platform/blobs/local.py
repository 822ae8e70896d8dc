"""Local-directory blobs for ``file:///abs/dir``: the embedded default.

Every write goes to a hidden temp file in the blob's own directory and is renamed over the
key with ``os.replace``, so readers see the old blob or the new one, never a partial file.
Valid key segments cannot start with ``.``, so temp files never collide with keys and are
left out of ``list``. File I/O runs in worker threads to keep the event loop free.

The etag hashes size and ``st_mtime_ns`` rather than content: ``stat`` stays O(1) for
multi-GB model files. Writes stamp the mtime from ``time.time_ns()`` because the kernel's
file clock ticks only every few milliseconds, which would let two quick same-size writes
share an etag. Rewriting identical content changes the etag (a harmless cache miss).
``content_type`` has nowhere to live on disk and is ignored.

A path is a file or a directory, never both, so one key cannot also prefix others here
(``a`` next to ``a/b``); such a put raises InvalidKey. S3 allows it; our key layouts never
need it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from foryou.platform.blobs import BlobInfo, BlobNotFound, InvalidKey, check_key

_CHUNK = 1 << 20
# Opening a key that is absent, or that is a directory of other keys, means "no blob".
_ABSENT = (FileNotFoundError, IsADirectoryError, NotADirectoryError)


class LocalBlobs:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        root = Path(unquote(parts.path))
        if parts.netloc not in ("", "localhost") or not root.is_absolute():
            raise ValueError(f"blobs: expected file:///absolute/dir, got {url!r}")
        root.mkdir(parents=True, exist_ok=True)
        self._root = root

    async def put(self, key: str, data: bytes, *, content_type: str | None = None) -> BlobInfo:
        return await self._write(key, lambda out: out.write(data))

    async def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> BlobInfo:
        def copy(out: BinaryIO) -> None:
            with open(path, "rb") as src:
                shutil.copyfileobj(src, out, _CHUNK)

        return await self._write(key, copy)

    async def get(self, key: str) -> bytes:
        return await self._read(key, 0, None)

    async def get_range(self, key: str, start: int, end: int) -> bytes:
        if start < 0 or end < start:
            raise ValueError(f"bad byte range {start}-{end}")
        return await self._read(key, start, end - start + 1)

    async def download(self, key: str, path: Path) -> None:
        def copy() -> None:
            with self._open(key) as src, open(path, "wb") as dst:
                shutil.copyfileobj(src, dst, _CHUNK)

        await asyncio.to_thread(copy)

    async def stat(self, key: str) -> BlobInfo | None:
        try:
            st = await asyncio.to_thread(os.stat, self._path(key))
        except _ABSENT:
            return None
        return _info(key, st) if stat.S_ISREG(st.st_mode) else None

    async def delete(self, key: str) -> None:
        path = self._path(key)

        def unlink() -> None:
            with suppress(*_ABSENT):
                path.unlink()
                self._prune(path.parent)

        await asyncio.to_thread(unlink)

    async def delete_prefix(self, prefix: str) -> int:
        top = self._path(prefix)

        def remove_tree() -> int:
            count = 0
            for dirpath, _, names in os.walk(top, topdown=False):
                for name in names:
                    if not name.startswith("."):  # leave in-flight temp files to their writers
                        with suppress(FileNotFoundError):
                            os.unlink(os.path.join(dirpath, name))
                            count += 1
                with suppress(OSError):  # not empty: a temp file or a racing write
                    os.rmdir(dirpath)
            self._prune(top.parent)
            return count

        return await asyncio.to_thread(remove_tree)

    async def list(self, prefix: str) -> list[str]:
        top = self._path(prefix)

        def walk() -> list[str]:
            return [
                Path(dirpath, name).relative_to(self._root).as_posix()
                for dirpath, _, names in os.walk(top)
                for name in names
                if not name.startswith(".")
            ]

        return sorted(await asyncio.to_thread(walk))

    async def ping(self) -> bool:
        return await asyncio.to_thread(os.access, self._root, os.W_OK)

    async def close(self) -> None:
        pass

    def _path(self, key: str) -> Path:
        # check_key admits only plain relative segments, so the path stays under the root.
        return self._root / check_key(key)

    def _open(self, key: str) -> BinaryIO:
        try:
            return open(self._path(key), "rb")
        except _ABSENT as e:
            raise BlobNotFound(key) from e

    async def _read(self, key: str, offset: int, size: int | None) -> bytes:
        def read() -> bytes:
            with self._open(key) as f:
                f.seek(offset)
                return f.read(-1 if size is None else size)

        return await asyncio.to_thread(read)

    async def _write(self, key: str, fill: Callable[[BinaryIO], object]) -> BlobInfo:
        path = self._path(key)

        def write() -> BlobInfo:
            fd, tmp = self._temp_file(key, path.parent)
            try:
                with open(fd, "wb") as out:
                    fill(out)
                    out.flush()
                    now = time.time_ns()
                    os.utime(fd, ns=(now, now))
                    os.fsync(fd)  # data on disk before the rename publishes it
                    info = _info(key, os.fstat(fd))
                if path.is_dir():
                    raise _clash(key)
                os.replace(tmp, path)
            except BaseException:
                with suppress(FileNotFoundError):
                    os.unlink(tmp)
                raise
            return info

        return await asyncio.to_thread(write)

    def _temp_file(self, key: str, directory: Path) -> tuple[int, str]:
        # A concurrent delete may prune the directory between mkdir and mkstemp.
        for _ in range(3):
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError) as e:  # an ancestor is a blob
                raise _clash(key) from e
            with suppress(FileNotFoundError):
                return tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")
        raise FileNotFoundError(directory)

    def _prune(self, directory: Path) -> None:
        """Remove empty directories from ``directory`` up to (not including) the root."""
        while directory != self._root:
            try:
                directory.rmdir()
            except OSError:  # not empty, or already gone
                return
            directory = directory.parent


def _clash(key: str) -> InvalidKey:
    return InvalidKey(f"{key!r} would be both a blob and a directory of blobs")


def _info(key: str, st: os.stat_result) -> BlobInfo:
    etag = hashlib.blake2b(f"{st.st_size}:{st.st_mtime_ns}".encode(), digest_size=16)
    return BlobInfo(key, st.st_size, etag.hexdigest(), st.st_mtime_ns / 1e9)

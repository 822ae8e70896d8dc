"""Blob port: media, originals and model files.

Backends: ``file:///abs/dir`` (local directory, the embedded default) and
``s3://bucket/prefix?endpoint_url=...&region=...`` (any S3-compatible store, via boto3).
Keys are relative paths of ``[A-Za-z0-9._-]`` segments joined by ``/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from foryou.platform.registry import open_backend

BACKENDS = {
    "file": "foryou.platform.blobs.local:LocalBlobs",
    "s3": "foryou.platform.blobs.s3:S3Blobs",
}

_KEY = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$")


class BlobNotFound(KeyError):
    """No blob under that key."""


class InvalidKey(ValueError):
    """A key that could escape its store or is not a plain relative path."""


@dataclass(frozen=True)
class BlobInfo:
    key: str
    size: int
    etag: str
    modified: float  # Unix seconds


def check_key(key: str) -> str:
    if len(key) > 512 or not _KEY.match(key) or ".." in key.split("/"):
        raise InvalidKey(f"invalid blob key {key!r}")
    return key


class Blobs(Protocol):
    async def put(self, key: str, data: bytes, *, content_type: str | None = None) -> BlobInfo: ...

    async def put_file(
        self, key: str, path: Path, *, content_type: str | None = None
    ) -> BlobInfo: ...

    async def get(self, key: str) -> bytes:
        """The whole blob; raises BlobNotFound."""
        ...

    async def get_range(self, key: str, start: int, end: int) -> bytes:
        """Bytes ``start`` to ``end`` inclusive (as HTTP ranges count); raises BlobNotFound."""
        ...

    async def download(self, key: str, path: Path) -> None: ...

    async def stat(self, key: str) -> BlobInfo | None: ...

    async def delete(self, key: str) -> None:
        """Idempotent."""
        ...

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every key under ``prefix/``; the number deleted."""
        ...

    async def list(self, prefix: str) -> list[str]:
        """Keys under ``prefix/``, sorted."""
        ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...


def open_blobs(url: str) -> Blobs:
    blobs: Blobs = open_backend("blobs", url, BACKENDS)
    return blobs

"""S3 blobs for ``s3://bucket/optional/prefix?endpoint_url=...&region=...&create_bucket=1``.

Works with AWS and S3-compatible stores (MinIO, Ceph, moto); an ``endpoint_url`` switches to
path-style addressing, which those expect. Credentials come from boto3's usual chain
(``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` env vars, profiles, instance roles).

The bucket is created only with ``create_bucket=1``: production buckets carry policies and
lifecycle rules provisioned elsewhere, and a typo in a bucket name should fail, not quietly
start a new empty store. boto3 is blocking, so every call runs in a worker thread (one
botocore client is safe to share between threads).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from functools import cache, partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from foryou.platform.blobs import BlobInfo, BlobNotFound, check_key

_T = TypeVar("_T")

_MISSING = {"404", "NoSuchKey", "NotFound"}  # HEAD answers a bare 404, GET names the error
_BATCH = 1000  # the most keys one ListObjectsV2 page or DeleteObjects call holds


@cache
def _session() -> boto3.session.Session:
    """One session for every store: it caches the parsed S3 model, ~0.4 s to load.

    Sessions are not thread-safe; clients are made in ``__init__``, never in worker threads.
    """
    return boto3.session.Session()


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class S3Blobs:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if not parts.netloc:
            raise ValueError(f"blobs: expected s3://bucket[/prefix], got {url!r}")
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        endpoint = query.get("endpoint_url")
        self._bucket = parts.netloc
        base = parts.path.strip("/")
        self._base = f"{base}/" if base else ""  # prepended to every key, cut from listings
        self._client = _session().client(
            "s3",
            endpoint_url=endpoint,
            region_name=query.get("region"),
            config=Config(
                s3={"addressing_style": "path" if endpoint else "auto"},
                # as many connections as asyncio.to_thread has worker threads
                max_pool_connections=32,
                retries={"mode": "standard"},
            ),
        )
        self._create_bucket = query.get("create_bucket") == "1"

    async def put(self, key: str, data: bytes, *, content_type: str | None = None) -> BlobInfo:
        extra = {"ContentType": content_type} if content_type else {}
        await self._call(
            self._client.put_object, Bucket=self._bucket, Key=self._key(key), Body=data, **extra
        )
        return await self._written(key)

    async def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> BlobInfo:
        # upload_file goes multipart, with parallel parts, above 8 MiB.
        extra = {"ContentType": content_type} if content_type else None
        await self._call(
            self._client.upload_file, str(path), self._bucket, self._key(key), ExtraArgs=extra
        )
        return await self._written(key)

    async def get(self, key: str) -> bytes:
        return await self._get(key)

    async def get_range(self, key: str, start: int, end: int) -> bytes:
        if start < 0 or end < start:  # S3 ignores a malformed Range and sends everything
            raise ValueError(f"bad byte range {start}-{end}")
        return await self._get(key, Range=f"bytes={start}-{end}")

    async def download(self, key: str, path: Path) -> None:
        # download_file writes to a temp name and renames it into place.
        full = self._key(key)
        try:
            await self._call(self._client.download_file, self._bucket, full, str(path))
        except ClientError as e:
            if _code(e) in _MISSING:
                raise BlobNotFound(key) from e
            raise

    async def stat(self, key: str) -> BlobInfo | None:
        full = self._key(key)
        try:
            head = await self._call(self._client.head_object, Bucket=self._bucket, Key=full)
        except ClientError as e:
            if _code(e) in _MISSING:
                return None
            raise
        return BlobInfo(
            key=key,
            size=head["ContentLength"],
            etag=head["ETag"].strip('"'),
            modified=head["LastModified"].timestamp(),
        )

    async def delete(self, key: str) -> None:
        await self._call(self._client.delete_object, Bucket=self._bucket, Key=self._key(key))

    async def delete_prefix(self, prefix: str) -> int:
        return await self._call(self._delete_pages, self._key(prefix) + "/")

    async def list(self, prefix: str) -> list[str]:
        keys = await self._call(self._list_keys, self._key(prefix) + "/")
        return sorted(k[len(self._base) :] for k in keys)

    async def ping(self) -> bool:
        try:
            await self._call(self._client.head_bucket, Bucket=self._bucket)
        except (BotoCoreError, ClientError):
            return False
        return True

    async def close(self) -> None:
        await asyncio.to_thread(self._client.close)

    def _key(self, key: str) -> str:
        return self._base + check_key(key)

    async def _call(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
        if self._create_bucket:
            await asyncio.to_thread(self._ensure_bucket)
            self._create_bucket = False
        return await asyncio.to_thread(partial(fn, *args, **kwargs))

    async def _written(self, key: str) -> BlobInfo:
        info = await self.stat(key)
        if info is None:  # deleted by someone else in between
            raise BlobNotFound(key)
        return info

    async def _get(self, key: str, **extra: str) -> bytes:
        full = self._key(key)
        try:
            return await self._call(self._fetch, full, **extra)
        except ClientError as e:
            if _code(e) in _MISSING:
                raise BlobNotFound(key) from e
            if _code(e) == "InvalidRange":  # start at or past the end; a file read gives b""
                return b""
            raise

    def _fetch(self, full: str, **extra: str) -> bytes:
        # The body streams over the connection, so it is read in the same worker thread.
        obj = self._client.get_object(Bucket=self._bucket, Key=full, **extra)
        with obj["Body"] as body:
            return bytes(body.read())

    # Sequence, not list: inside this class `list` names the method above.
    def _list_keys(self, prefix: str) -> Sequence[str]:
        return [key for page in self._pages(prefix) for key in page]

    def _pages(self, prefix: str) -> Iterator[Sequence[str]]:
        paginator = self._client.get_paginator("list_objects_v2")
        pages = paginator.paginate(
            Bucket=self._bucket, Prefix=prefix, PaginationConfig={"PageSize": _BATCH}
        )
        for page in pages:
            yield [obj["Key"] for obj in page.get("Contents", [])]

    def _delete_pages(self, prefix: str) -> int:
        count = 0
        for keys in self._pages(prefix):
            if not keys:
                continue
            result = self._client.delete_objects(
                Bucket=self._bucket,
                Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True},
            )
            if errors := result.get("Errors"):
                raise RuntimeError(f"S3 refused to delete {len(errors)} keys: {errors[:3]}")
            count += len(keys)
        return count

    def _ensure_bucket(self) -> None:
        try:
            self._client.head_bucket(Bucket=self._bucket)
            return
        except ClientError as e:
            if _code(e) not in _MISSING:
                raise
        region = self._client.meta.region_name
        where: dict[str, Any] = {}
        if region not in (None, "us-east-1"):  # the one region that refuses a constraint
            where["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            self._client.create_bucket(Bucket=self._bucket, **where)
        except ClientError as e:
            if _code(e) != "BucketAlreadyOwnedByYou":  # a concurrent first call won the race
                raise

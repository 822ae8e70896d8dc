"""Resumable uploads (tus 1.0.0: creation, core, termination, expiration). No HTTP here.

The upload ID is the video ID. While bytes arrive the video is ``uploading`` and they are
staged in ``data_dir/uploads/{id}.part``; the row holds ``upload_length`` and the committed
``upload_offset``. The staging file may run ahead of the row (a crash between the write and
the commit) or behind it (a lost page cache), so the offset a client resumes from is
``min(row, file size)`` and the file is cut back to it.

On the last byte the staged file is sniffed: not a video → the row stays ``rejected`` with a
``status_detail`` the client can read, the staged bytes are dropped; a video → its source
blob is stored, the row turns ``processing`` and ``processing.start`` takes over. The
rejected row is kept so that the client can read why; ``DELETE /api/v1/videos/{id}`` removes
it. One PATCH at a time per upload is enforced within a process (a second gets 409);
``expire_abandoned`` also sweeps staging files whose upload was deleted another way.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from foryou.domains.videos import keys, processing, service, sniff
from foryou.domains.videos.models import Video
from foryou.domains.videos.tus import TUS_VERSION, UploadMetadata
from foryou.gateway.problems import Problem
from foryou.gateway.tokens import Principal
from foryou.ids import logical_shard_of, new_id, timestamp_ms_of
from foryou.observability.logging import get_logger
from foryou.platform import Platform

EXPIRES_AFTER_S = 24 * 3600
WAITING = "waiting for the upload to finish"
NOT_A_VIDEO = (
    "not a video file we can read (MP4, MOV, WebM, MKV, AVI, FLV, MPEG-TS or Ogg); "
    "upload a video file"
)
STORE_FAILED = "the upload could not be stored; please upload the video again"
_WRITE_BATCH = 1 << 20
_appending: set[int] = set()  # uploads with a PATCH in flight in this process
log = get_logger(__name__)


def staging_path(platform: Platform, video_id: int) -> Path:
    return platform.settings.data_dir / "uploads" / f"{video_id}.part"


async def create(
    platform: Platform, *, author_id: int, length: int, metadata: UploadMetadata
) -> Video:
    """The ``uploading`` row and its empty staging file; on failure neither is left."""
    limit = platform.settings.max_upload_bytes
    if length > limit:
        raise Problem(
            413, f"Upload-Length {length} is over the limit of {limit} bytes", kind="too-large"
        )
    video_id = new_id(logical_shard_of(author_id))
    staged = staging_path(platform, video_id)
    await asyncio.to_thread(_touch, staged)
    try:
        return await service.create_uploading(
            platform,
            video_id=video_id,
            author_id=author_id,
            caption=metadata.caption,
            visibility=metadata.visibility,
            length=length,
            detail=WAITING,
        )
    except BaseException:
        staged.unlink(missing_ok=True)
        raise


def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


async def require_own(platform: Platform, video_id: int, principal: Principal) -> Video:
    """The upload, if the principal made it; anyone else is told it does not exist."""
    video = await service.get(platform, video_id)
    if video is None or video.author_id != principal.user_id or video.upload_length is None:
        raise Problem(404, f"no upload {video_id} of yours", kind="upload-not-found")
    return video


def _reconcile(path: Path, offset: int) -> int:
    """The offset both the row and the file agree on; the file is cut back to it."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        _touch(path)
        return 0
    if size > offset:
        os.truncate(path, offset)
    return min(size, offset)


async def offset_of(platform: Platform, video: Video) -> int:
    if video.status != "uploading" or video.id in _appending:
        return video.upload_offset
    offset = await asyncio.to_thread(
        _reconcile, staging_path(platform, video.id), video.upload_offset
    )
    if offset != video.upload_offset:
        await _save_offset(platform, video.id, offset)
    return offset


def expires_at(platform: Platform, video: Video) -> float:
    """Unix time this upload is abandoned: a day after its last activity."""
    last = _mtime(staging_path(platform, video.id))
    return (timestamp_ms_of(video.id) / 1000 if last is None else last) + EXPIRES_AFTER_S


async def _save_offset(platform: Platform, video_id: int, offset: int) -> bool:
    async with platform.sql.begin(platform.sql.shard_of(video_id)) as session:
        result: Any = await session.execute(
            update(Video)
            .where(Video.id == video_id, Video.status == "uploading")
            .values(upload_offset=offset)
        )
    return bool(result.rowcount)


async def append(
    platform: Platform, video: Video, *, offset: int, chunks: AsyncIterator[bytes]
) -> int:
    """Write the body at ``offset``; the new offset. What arrived is kept even when the body
    is cut short; a body that would run past Upload-Length is refused whole (400)."""
    if video.status != "uploading":
        raise Problem(
            409, f"this upload is finished (the video is {video.status})", kind="upload-finished"
        )
    if video.id in _appending:
        raise Problem(409, "another request is appending to this upload", kind="upload-busy")
    current = await offset_of(platform, video)
    if offset != current:
        raise Problem(
            409,
            f"Upload-Offset is {offset} but the upload has {current} bytes; resume from there",
            kind="offset-mismatch",
            headers={"Upload-Offset": str(current), "Tus-Resumable": TUS_VERSION},
        )
    length = video.upload_length or 0
    _appending.add(video.id)
    try:
        position = await _write(platform, video.id, offset, length, chunks)
    finally:
        _appending.discard(video.id)
    if position == length:
        await complete(platform, video.id)
    return position


async def _write(
    platform: Platform, video_id: int, start: int, length: int, chunks: AsyncIterator[bytes]
) -> int:
    path = staging_path(platform, video_id)
    handle = await asyncio.to_thread(open, path, "r+b")
    position, pending, overflow = start, bytearray(), False
    try:
        handle.seek(start)
        async for chunk in chunks:
            if position + len(pending) + len(chunk) > length:
                overflow = True
                break
            pending += chunk
            if len(pending) >= _WRITE_BATCH:
                await asyncio.to_thread(handle.write, pending)
                position, pending = position + len(pending), bytearray()
    finally:  # a dropped client ends the stream with an error: keep what arrived
        if overflow:
            await asyncio.to_thread(handle.truncate, start)
            position = start
        elif pending:
            await asyncio.to_thread(handle.write, pending)
            position += len(pending)
        await asyncio.to_thread(handle.close)
        if position != start and not await asyncio.shield(
            _save_offset(platform, video_id, position)
        ):
            path.unlink(missing_ok=True)  # terminated meanwhile
    if overflow:
        raise Problem(
            400,
            f"the body runs past Upload-Length ({length} bytes); nothing of it was kept",
            kind="past-upload-length",
        )
    return position


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(sniff.HEAD_BYTES)


async def complete(platform: Platform, video_id: int) -> None:
    """Sniff the staged bytes, store them as the source and hand over to processing.

    Whatever fails, no blob is left without its row, no row stays ``uploading``."""
    staged = staging_path(platform, video_id)
    source_key = keys.source(video_id)
    try:
        if not sniff.looks_like_video(await asyncio.to_thread(_head, staged)):
            await service.set_status(platform, video_id, "rejected", NOT_A_VIDEO)
            return
        await platform.blobs.put_file(source_key, staged)
        if not await service.attach_source(platform, video_id, source_key=source_key):
            await platform.blobs.delete(source_key)  # terminated meanwhile
            return
    except Exception as exc:
        log.exception("upload could not be completed", extra={"video_id": video_id})
        await _fail(platform, video_id, source_key)
        raise Problem(503, STORE_FAILED, kind="upload-not-stored") from exc
    except BaseException:  # cancelled: still leave no orphan, no stuck row
        await asyncio.shield(_fail(platform, video_id, source_key))
        raise
    finally:
        staged.unlink(missing_ok=True)
    try:
        await processing.start(platform, video_id)
    except Exception:
        log.exception("processing did not start", extra={"video_id": video_id})
        await _fail(platform, video_id, source_key)


async def _fail(platform: Platform, video_id: int, source_key: str) -> None:
    await platform.blobs.delete(source_key)
    await service.set_status(platform, video_id, "failed", STORE_FAILED)


async def terminate(platform: Platform, video: Video) -> None:
    """Termination: only while bytes are still arriving; a finished upload is a video."""
    if video.status != "uploading" or not await service.delete_uploading(platform, video.id):
        raise Problem(
            409,
            "this upload is finished; delete the video with DELETE /api/v1/videos/{id}",
            kind="upload-finished",
        )
    staging_path(platform, video.id).unlink(missing_ok=True)


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return None


async def expire_abandoned(platform: Platform, *, older_than_s: int = EXPIRES_AFTER_S) -> int:
    """Delete ``uploading`` videos (every shard) idle for longer than ``older_than_s``, with
    their staging files, and staging files no upload owns; the number of uploads deleted."""
    cutoff = time.time() - older_than_s
    deleted, live = 0, set()
    for shard in range(platform.sql.shard_count):
        async with platform.sql.session(shard) as session:
            candidates = list(
                await session.scalars(select(Video.id).where(Video.status == "uploading"))
            )
        for video_id in candidates:
            path = staging_path(platform, video_id)
            mtime = await asyncio.to_thread(_mtime, path)
            last = timestamp_ms_of(video_id) / 1000 if mtime is None else mtime
            if last >= cutoff or video_id in _appending:
                live.add(video_id)
                continue
            if await service.delete_uploading(platform, video_id):
                path.unlink(missing_ok=True)
                deleted += 1
    await asyncio.to_thread(_sweep_orphans, platform.settings.data_dir / "uploads", live, cutoff)
    return deleted


def _sweep_orphans(directory: Path, live: set[int], cutoff: float) -> None:
    """Staging files of uploads deleted another way (``DELETE /videos/{id}``), once idle."""
    for path in directory.glob("*.part") if directory.is_dir() else ():
        if path.stem.isdigit() and int(path.stem) in live:
            continue
        mtime = _mtime(path)
        if mtime is not None and mtime < cutoff:
            path.unlink(missing_ok=True)

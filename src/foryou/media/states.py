"""The video state machine, and the only code that moves a video between states.

    uploading ─▶ processing ─▶ ready
                     │  ╲
                     ▼   ▶ rejected  (refused by validation or screening, or by a moderator)
                   failed            (every attempt failed)

A held video (``review == "pending"``) stays ``processing`` until a moderator decides.
``processing`` carries a heartbeat: the running job refreshes it, and a stale one means the
worker died, so the reconciler enqueues the job again (or fails it after the last attempt).
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select, update

from foryou.domains.videos import keys
from foryou.domains.videos.models import Video
from foryou.domains.videos.service import publish_video_event
from foryou.media.ffmpeg.probe import Probe
from foryou.platform import Platform

TRANSITIONS = {
    "uploading": {"processing", "rejected", "failed"},
    "processing": {"ready", "rejected", "failed"},
    "ready": {"processing", "rejected"},  # back to processing: held for review after publishing
    "rejected": set(),
    "failed": set(),
}
STALE_MS = 60_000
MAX_ATTEMPTS = 3


class IllegalTransition(RuntimeError):
    pass


def _now_ms() -> int:
    return int(time.time() * 1000)


def move(video: Video, status: str, detail: str) -> None:
    if status != video.status and status not in TRANSITIONS[video.status]:
        raise IllegalTransition(f"video {video.id}: {video.status} → {status}")
    video.status, video.status_detail = status, detail


async def claim(platform: Platform, video_id: int) -> Video | None:
    """Take the video for this attempt, unless it is gone, done, or held by a live job."""
    async with platform.sql.begin(platform.sql.shard_of(video_id)) as session:
        video = await session.get(Video, video_id, with_for_update=True)
        if video is None or video.status not in ("processing", "ready") or video.progress >= 100:
            return None
        if video.progress > 0 and _now_ms() - video.heartbeat_ms < STALE_MS:
            return None  # another worker is on it (a duplicate of a re-enqueued job)
        video.attempts += 1
        video.progress, video.heartbeat_ms = 1, _now_ms()
        if video.status == "processing" and video.review is None:
            video.status_detail = "processing"
    return video


async def _finish(platform: Platform, video_id: int, status: str, detail: str) -> None:
    """Refused or failed for good. The playable files go before the state changes (nobody is
    served a stream that is being deleted); the source goes after it (a crash in between
    leaves a job the reconciler can still retry)."""
    await platform.blobs.delete_prefix(keys.hls_prefix(video_id))
    await platform.blobs.delete(keys.poster(video_id))
    await platform.blobs.delete(keys.thumb(video_id))
    async with platform.sql.begin(platform.sql.shard_of(video_id)) as session:
        video = await session.get(Video, video_id)
        if video is None:
            return
        move(video, status, detail)
    await platform.blobs.delete_prefix(keys.prefix(video_id))
    await publish_video_event(platform, video, f"video.{status}")


async def refuse(platform: Platform, video_id: int, reason: str) -> None:
    """Refused for good: the row says why; none of the files stay."""
    await _finish(platform, video_id, "rejected", reason)


async def fail(platform: Platform, video_id: int, reason: str) -> None:
    await _finish(platform, video_id, "failed", reason)


async def first_playable(
    platform: Platform,
    video_id: int,
    probe: Probe,
    playback: dict[str, Any],
    phash: str,
    progress: int,
) -> None:
    """``playback`` appears; the video is public at once unless held for review."""
    async with platform.sql.begin(platform.sql.shard_of(video_id)) as session:
        video = await session.get(Video, video_id)
        if video is None:
            return
        video.playback, video.phash, video.progress = playback, phash, progress
        video.width, video.height = probe.width, probe.height
        video.duration_ms = round(probe.duration_s * 1000)
        if video.review not in ("pending", "rejected"):
            move(video, "ready", "adding higher qualities")
    await publish_video_event(platform, video, f"video.{video.status}")


async def all_rungs(platform: Platform, video_id: int, playback: dict[str, Any]) -> None:
    async with platform.sql.begin(platform.sql.shard_of(video_id)) as session:
        video = await session.get(Video, video_id)
        if video is None:
            return
        video.playback, video.progress = playback, 100
        if video.status == "ready":
            video.status_detail = ""


async def mark_queued(platform: Platform, video_id: int) -> None:
    """Start the heartbeat clock when a job is enqueued, so a lost enqueue is noticed too."""
    async with platform.sql.begin(platform.sql.shard_of(video_id)) as session:
        await session.execute(
            update(Video)
            .where(Video.id == video_id)
            .values(heartbeat_ms=_now_ms(), progress=0, status_detail="waiting for processing")
        )


async def stale(platform: Platform, now_ms: int | None = None) -> list[tuple[int, int]]:
    """(video id, attempts) of videos whose job stopped beating before the last rung."""
    cutoff = (now_ms or _now_ms()) - STALE_MS
    out: list[tuple[int, int]] = []
    for shard in range(platform.sql.shard_count):
        async with platform.sql.session(shard) as session:
            rows = await session.execute(
                select(Video.id, Video.attempts).where(
                    Video.status.in_(("processing", "ready")),
                    Video.progress < 100,
                    Video.heartbeat_ms < cutoff,
                )
            )
            out += [(row[0], row[1]) for row in rows]
    return out

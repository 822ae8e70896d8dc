"""A video's processing: probe → validate → stills → screen → ladder, published as it grows.

The lowest rung goes live as soon as its first (1 s) segment is stored, while ffmpeg goes on
encoding every rung from one decode; the master lists the other rungs once they are done.
The state machine lives in ``foryou.media.states``. Every step is idempotent (output keys
are fixed per video), so a job retried after a crash simply starts over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import update

from foryou.domains.moderation import service as moderation
from foryou.domains.videos import keys
from foryou.domains.videos.models import Video
from foryou.media import publish, screening, states
from foryou.media.ffmpeg import hls
from foryou.media.ffmpeg.playlists import Variant
from foryou.media.ffmpeg.probe import Probe, probe
from foryou.media.ffmpeg.run import FfmpegFailed, run_ffmpeg
from foryou.media.ladder import Rung, ladder
from foryou.media.validate import refusal
from foryou.platform import Platform

log = logging.getLogger(__name__)

HEARTBEAT_S = 2.0
SYNC_EVERY_S = 0.25
PRESET = "veryfast"
DAMAGE_TOLERANCE = 3  # a stray decoder complaint is common in phone files; a run is not


class Progress:
    """Progress 0-100 written with the heartbeat, so a stale heartbeat means a dead worker."""

    def __init__(self, platform: Platform, video_id: int) -> None:
        self.platform, self.video_id, self.value = platform, video_id, 1

    def set(self, value: float) -> None:
        self.value = max(self.value, min(99, int(value)))

    async def beat(self) -> None:
        async with self.platform.sql.begin(self.platform.sql.shard_of(self.video_id)) as s:
            await s.execute(
                update(Video)
                .where(Video.id == self.video_id)
                .values(heartbeat_ms=int(time.time() * 1000), progress=self.value)
            )

    @contextlib.asynccontextmanager
    async def beating(self) -> AsyncIterator[Progress]:
        async def loop() -> None:
            while True:
                await asyncio.sleep(HEARTBEAT_S)
                with contextlib.suppress(Exception):  # a missed beat is not a failure
                    await self.beat()

        task = asyncio.create_task(loop())
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def decode_errors(stderr: str) -> int:
    """Lines ffmpeg logged at error level while transcoding: each a packet it could not decode."""
    return sum(1 for line in stderr.splitlines() if line.strip())


def _timeout(p: Probe, weight: float) -> float:
    return 120 + p.duration_s * 8 * weight


class Refused(Exception):
    """The file cannot become a good stream; the message tells the creator why."""


async def _probe(platform: Platform, source: Path) -> Probe:
    limit = platform.settings.max_video_seconds
    p = await asyncio.to_thread(probe, source, scan_limit_s=limit + 1)
    reason = refusal(p, max_seconds=limit)
    if reason is not None:
        raise Refused(reason)
    return p


async def _stills(source: Path, p: Probe, work: Path) -> hls.Stills:
    stills = hls.Stills(work / "poster.jpg", work / "thumb.jpg", work / "frames")
    stills.frames_dir.mkdir()
    try:
        await run_ffmpeg(hls.stills_pass(source, p, stills), timeout_s=_timeout(p, 0.1))
    except FfmpegFailed as exc:
        log.warning("stills failed: %s", exc.stderr[-500:])
        raise Refused("the video stream is damaged and cannot be decoded") from exc
    return stills


async def _screen(
    platform: Platform, video: Video, frames: list[Path]
) -> tuple[list[dict[str, Any]], str]:
    """(signals, perceptual hash); a clip moderators rejected before is refused outright."""
    settings = platform.settings
    phash = await asyncio.to_thread(screening.perceptual_hash, frames)
    blocked = screening.matches_blocklist(
        phash, await moderation.blocked_hashes(platform), screening.DEFAULT_MAX_DISTANCE
    )
    if blocked is not None:
        raise Refused("this clip was removed by moderators before and cannot be uploaded again")
    signals = screening.caption_signals(video.caption, settings.moderation_blocked_words)
    signals += await asyncio.to_thread(
        screening.nudity_signals, frames, settings.moderation_nudity_threshold
    )
    return signals, phash


async def _encode(
    platform: Platform,
    video_id: int,
    source: Path,
    p: Probe,
    rungs: list[Rung],
    work: Path,
    progress: Progress,
    span: tuple[int, int],
    codec: str = "h264",
    on_first_segment: Callable[[Variant], Awaitable[None]] | None = None,
) -> list[Variant]:
    """Encode ``rungs`` from one decode, storing segments as they appear; their variants."""
    dirs = [work / publish.rung_dir(rung, codec) for rung in rungs]
    for directory in dirs:
        directory.mkdir()
    syncs = [publish.RungSync(platform, video_id, directory) for directory in dirs]
    low, high = span
    encoding = asyncio.create_task(
        run_ffmpeg(
            hls.ladder_pass(source, p, rungs, dirs, PRESET, codec),
            timeout_s=_timeout(p, len(rungs) * (3 if codec == "hevc" else 1)),
            duration_s=p.duration_s,
            on_progress=lambda f: progress.set(low + f * (high - low)),
        )
    )
    try:
        while on_first_segment is not None and not encoding.done():
            await asyncio.wait({encoding}, timeout=SYNC_EVERY_S)
            if await syncs[0].sync() and not encoding.done():
                await on_first_segment(publish.variant(rungs[0], dirs[0], codec))
                on_first_segment = None  # the rest is stored when ffmpeg is done
        stderr = await encoding
    except FfmpegFailed as exc:
        log.warning("encoding failed: %s", exc.stderr[-500:])
        raise Refused("the video stream is damaged and cannot be decoded") from exc
    finally:
        if not encoding.done():
            encoding.cancel()
            with contextlib.suppress(asyncio.CancelledError, FfmpegFailed):
                await encoding
    damage = decode_errors(stderr)
    if damage > DAMAGE_TOLERANCE:
        raise Refused(f"the video is damaged: {damage} errors while decoding it")
    for sync in syncs:
        await sync.sync(final=True)
    return [publish.variant(r, d, codec) for r, d in zip(rungs, dirs, strict=True)]


async def process(platform: Platform, video_id: int) -> None:
    """The ``media.process`` job. A no-op for a video that is gone or no longer processing."""
    video = await states.claim(platform, video_id)
    if video is None:
        return
    with tempfile.TemporaryDirectory(prefix=f"foryou-{video_id}-") as tmp:
        try:
            await _run(platform, video, Path(tmp))
        except Refused as refused:
            await states.refuse(platform, video_id, str(refused))


async def _run(platform: Platform, video: Video, work: Path) -> None:
    source = work / "source"
    await platform.blobs.download(video.source_key, source)
    p = await _probe(platform, source)
    rungs = ladder(p.width, p.height, p.fps)
    progress = Progress(platform, video.id)
    async with progress.beating():
        stills = await _stills(source, p, work)
        frames = sorted(stills.frames_dir.glob("*.jpg")) or [stills.poster]
        signals, phash = await _screen(platform, video, frames)
        # Only now is anything stored: a refused clip leaves no file behind.
        for key, path in (
            (keys.poster(video.id), stills.poster),
            (keys.thumb(video.id), stills.thumb),
        ):
            await platform.blobs.put_file(key, path, content_type="image/jpeg")
        if signals:
            await moderation.flag(platform, video_id=video.id, signals=signals)
        progress.set(8)

        live: list[Variant] = []

        async def go_live(first: Variant) -> None:
            playback = await publish.master(platform, video.id, [first])
            await states.first_playable(platform, video.id, p, playback, phash, progress.value)
            live.append(first)

        hevc = platform.settings.hevc_ladder
        span = (10, 70 if hevc else 99)
        variants = await _encode(
            platform, video.id, source, p, rungs, work, progress, span, on_first_segment=go_live
        )
        if hevc:
            variants += await _encode(
                platform, video.id, source, p, rungs, work, progress, (70, 99), "hevc"
            )
        playback = await publish.master(platform, video.id, variants)
        if not live:  # a clip short enough to finish before its first sync
            await states.first_playable(platform, video.id, p, playback, phash, progress.value)
        await states.all_rungs(platform, video.id, playback)


async def undo(platform: Platform, video_id: int) -> None:
    """After the last failed attempt: no derived blobs, and a state that says so."""
    await states.fail(platform, video_id, "processing failed; please try uploading again")

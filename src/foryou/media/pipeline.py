"""A video's processing: probe → validate → first rung + stills → screen → publish → other rungs.

The explicit state machine lives in ``foryou.media.states``. Every step is idempotent
(output keys are fixed per video), so a job retried after a crash simply starts over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import update

from foryou.domains.moderation import service as moderation
from foryou.domains.videos import keys
from foryou.domains.videos.models import Video
from foryou.media import screening, states
from foryou.media.ffmpeg import hls
from foryou.media.ffmpeg.playlists import (
    AAC_LC,
    Variant,
    hevc_codec_of,
    master_playlist,
    video_codec_of,
)
from foryou.media.ffmpeg.probe import Probe, probe
from foryou.media.ffmpeg.run import FfmpegFailed, run_ffmpeg
from foryou.media.ladder import Rung, ladder
from foryou.media.validate import refusal
from foryou.platform import Platform

log = logging.getLogger(__name__)

HEARTBEAT_S = 2.0
FIRST_RUNG_PRESET = "veryfast"
OTHER_RUNGS_PRESET = "veryfast"
DAMAGE_TOLERANCE = 3  # a stray decoder complaint is common in phone files; a run is not
CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".m4s": "video/iso.segment"}


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


def _timeout(probe_: Probe, passes: int) -> float:
    return 120 + probe_.duration_s * 8 * passes


async def _upload_dir(platform: Platform, local: Path, video_id: int, rung: str) -> None:
    for path in sorted(local.iterdir()):
        await platform.blobs.put_file(
            keys.rung(video_id, rung, path.name),
            path,
            content_type=CONTENT_TYPES.get(path.suffix, "video/mp4"),
        )


def _variant(rung: Rung, init_segment: bytes, codec: str = "h264") -> Variant:
    video_codec = hevc_codec_of if codec == "hevc" else video_codec_of
    return Variant(
        uri=f"{_rung_dir(rung, codec)}/index.m3u8",
        width=rung.width,
        height=rung.height,
        bandwidth=rung.bandwidth * 7 // 10 if codec == "hevc" else rung.bandwidth,
        codecs=f"{video_codec(init_segment)},{AAC_LC}",
        fps=rung.fps,
    )


def _rung_dir(rung: Rung, codec: str) -> str:
    return f"{rung.name}-hevc" if codec == "hevc" else rung.name


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
) -> list[Variant]:
    """Encode ``rungs`` from one decode, store them, and give their master-playlist entries."""
    dirs = [work / _rung_dir(rung, codec) for rung in rungs]  # the first rung's may exist
    for directory in dirs:
        directory.mkdir(exist_ok=True)
    low, high = span
    await run_ffmpeg(
        hls.rest_pass(source, p, rungs, dirs, OTHER_RUNGS_PRESET, codec),
        timeout_s=_timeout(p, len(rungs) * (3 if codec == "hevc" else 1)),
        duration_s=p.duration_s,
        on_progress=lambda f: progress.set(low + f * (high - low)),
    )
    variants = []
    for rung, directory in zip(rungs, dirs, strict=True):
        await _upload_dir(platform, directory, video_id, directory.name)
        variants.append(_variant(rung, (directory / "init.mp4").read_bytes(), codec))
    return variants


async def _publish_master(
    platform: Platform, video_id: int, variants: list[Variant]
) -> dict[str, Any]:
    await platform.blobs.put(
        keys.master(video_id),
        master_playlist(variants).encode(),
        content_type=CONTENT_TYPES[".m3u8"],
    )
    return {
        "hls_key": keys.master(video_id),
        "poster_key": keys.poster(video_id),
        "thumb_key": keys.thumb(video_id),
        "renditions": [
            {"width": v.width, "height": v.height, "bandwidth": v.bandwidth, "codecs": v.codecs}
            for v in variants
        ],
    }


class Refused(Exception):
    """The file cannot become a good stream; the message tells the creator why."""


async def _probe(platform: Platform, source: Path) -> Probe:
    limit = platform.settings.max_video_seconds
    p = await asyncio.to_thread(probe, source, scan_limit_s=limit + 1)
    reason = refusal(p, max_seconds=limit)
    if reason is not None:
        raise Refused(reason)
    return p


async def _first_rung(
    source: Path, p: Probe, rung: Rung, work: Path, progress: Progress, share: int
) -> tuple[hls.Stills, list[Path]]:
    """Encode the lowest rung and the stills locally; the keyframes to screen."""
    (work / rung.name).mkdir()
    stills = hls.Stills(work / "poster.jpg", work / "thumb.jpg", work / "frames")
    stills.frames_dir.mkdir()
    try:
        stderr = await run_ffmpeg(
            hls.first_pass(source, p, rung, work / rung.name, stills, FIRST_RUNG_PRESET),
            timeout_s=_timeout(p, 1),
            duration_s=p.duration_s,
            on_progress=lambda f: progress.set(5 + f * share),
        )
    except FfmpegFailed as exc:
        log.warning("first pass failed: %s", exc.stderr[-500:])
        raise Refused("the video stream is damaged and cannot be decoded") from exc
    damage = decode_errors(stderr)
    if damage > DAMAGE_TOLERANCE:
        raise Refused(f"the video is damaged: {damage} errors while decoding it")
    return stills, sorted(stills.frames_dir.glob("*.jpg")) or [stills.poster]


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
    first, *rest = ladder(p.width, p.height, p.fps)
    hevc = platform.settings.hevc_ladder
    progress = Progress(platform, video.id)
    async with progress.beating():
        stills, frames = await _first_rung(source, p, first, work, progress, 40 if rest else 90)
        signals, phash = await _screen(platform, video, frames)
        # Only now is anything stored: a refused clip leaves no file behind.
        await _upload_dir(platform, work / first.name, video.id, first.name)
        for key, still in (
            (keys.poster(video.id), stills.poster),
            (keys.thumb(video.id), stills.thumb),
        ):
            await platform.blobs.put_file(key, still, content_type="image/jpeg")
        variants = [_variant(first, (work / first.name / "init.mp4").read_bytes())]
        playback = await _publish_master(platform, video.id, variants)
        if signals:
            await moderation.flag(platform, video_id=video.id, signals=signals)
        await states.first_playable(platform, video.id, p, playback, phash, progress.value)
        if rest:
            span = (45, 70) if hevc else (45, 95)
            variants += await _encode(platform, video.id, source, p, rest, work, progress, span)
            playback = await _publish_master(platform, video.id, variants)
        if hevc:
            every = [first, *rest]
            variants += await _encode(
                platform, video.id, source, p, every, work, progress, (70, 95), "hevc"
            )
            playback = await _publish_master(platform, video.id, variants)
        await states.all_rungs(platform, video.id, playback)


async def undo(platform: Platform, video_id: int) -> None:
    """After the last failed attempt: no derived blobs, and a state that says so."""
    await states.fail(platform, video_id, "processing failed; please try uploading again")

"""Probe a media file with PyAV, in a child process with time and memory limits.

A hostile file can make a demuxer or decoder loop or allocate without bound, so the probe
never runs in the worker's own process: ``probe(path)`` runs ``python -m
foryou.media.ffmpeg.probe`` under ``RLIMIT_AS``/``RLIMIT_CPU`` and a wall-clock timeout.

Durations come from the packets, not the container header (fragmented MP4s and streams that
start late report absurd header durations); the frame rate from frames over time, not the
time base (an FLV's 1 kHz time base reads as 1000 fps).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

PROBE_MEMORY_BYTES = 2 << 30
PROBE_CPU_SECONDS = 60


@dataclass
class Probe:
    readable: bool
    error: str = ""
    container: str = ""
    has_video: bool = False
    video_decodable: bool = False
    video_codec: str = ""
    width: int = 0  # as displayed: rotation and sample aspect ratio applied
    height: int = 0
    coded_width: int = 0
    coded_height: int = 0
    rotation: int = 0
    sar: float = 1.0
    duration_s: float = 0.0
    frames: int = 0
    fps: float = 0.0
    video_index: int = -1
    has_audio: bool = False
    audio_index: int = -1
    audio_codec: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self))


def _inspect(path: str, scan_limit_s: float) -> Probe:
    import av  # imported here: the parent process never loads the demuxers

    try:
        container = av.open(path, metadata_errors="ignore")
    except Exception as exc:
        return Probe(readable=False, error=str(exc)[:300])
    with container:
        # A stream without a usable codec (no sample description, say) is skipped, not fatal.
        videos = [s for s in container.streams.video if s.codec_context and s.codec_context.width]
        audios = [
            s
            for s in container.streams.audio
            if s.codec_context and s.codec_context.sample_rate and s.codec_context.channels
        ]
        result = Probe(readable=True, container=container.format.name)
        if not videos:
            result.has_audio = bool(audios)
            return result
        video = max(videos, key=lambda s: s.codec_context.width * s.codec_context.height)
        ctx = video.codec_context
        result.has_video, result.video_index = True, video.index
        result.video_codec = ctx.name
        result.coded_width, result.coded_height = ctx.width, ctx.height
        sar = video.sample_aspect_ratio
        result.sar = float(sar) if sar and sar > 0 else 1.0
        if audios:
            result.has_audio, result.audio_index = True, audios[0].index
            result.audio_codec = audios[0].codec_context.name
        try:
            first = next(container.decode(video))
            result.video_decodable = True
            result.rotation = int(getattr(first, "rotation", 0) or 0)
        except Exception as exc:
            result.error = f"video does not decode: {str(exc)[:200]}"
        container.seek(0)
        first_pts = last_end = None
        base = video.time_base or Fraction(1, 90000)
        for packet in container.demux(video):
            if packet.pts is None:
                continue
            start = float(packet.pts * base)
            end = start + float((packet.duration or 0) * base)
            first_pts = start if first_pts is None else min(first_pts, start)
            last_end = end if last_end is None else max(last_end, end)
            result.frames += 1
            if last_end - first_pts > scan_limit_s:
                break  # long enough to refuse; no need to read the rest
        if first_pts is not None and last_end is not None:
            result.duration_s = round(last_end - first_pts, 3)
        if result.frames > 1 and result.duration_s > 0:
            result.fps = round(result.frames / result.duration_s, 3)
    width = round(result.coded_width * result.sar)
    height = result.coded_height
    if abs(result.rotation) % 180 == 90:
        width, height = height, width
    result.width, result.height = width, height
    return result


def _limit_child() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (PROBE_MEMORY_BYTES, PROBE_MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (PROBE_CPU_SECONDS, PROBE_CPU_SECONDS))


def probe(path: Path, *, scan_limit_s: float, timeout_s: float = 60) -> Probe:
    """Probe ``path``; a crash, hang or blown memory limit reads as an unreadable file."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "foryou.media.ffmpeg.probe", str(path), str(scan_limit_s)],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            preexec_fn=_limit_child,
        )
    except subprocess.TimeoutExpired:
        return Probe(readable=False, error=f"probing took longer than {timeout_s:.0f} s")
    if done.returncode != 0:
        return Probe(readable=False, error=f"the probe crashed (exit {done.returncode})")
    fields: dict[str, Any] = json.loads(done.stdout)
    return Probe(**fields)


if __name__ == "__main__":
    print(_inspect(sys.argv[1], float(sys.argv[2])).to_json())

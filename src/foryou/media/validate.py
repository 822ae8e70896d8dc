"""Refuse what cannot become a good stream, each class of problem with words a person can act on."""

from __future__ import annotations

from foryou.media.ffmpeg.probe import Probe

MAX_LONG_EDGE = 3840
MAX_SHORT_EDGE = 2160
MIN_FPS, MAX_FPS = 1.0, 240.0


def _minutes(seconds: int) -> str:
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} seconds"


def refusal(probe: Probe, *, max_seconds: int) -> str | None:
    """Why this file is refused, or None when it can be transcoded."""
    if not probe.readable:
        return "not a video file we can read (the file is damaged or in an unknown format)"
    if not probe.has_video:
        if probe.has_audio:
            return "the file has sound but no picture; upload a video"
        return "not a video file: it holds no video stream"
    if not probe.video_decodable:
        return "the video stream is damaged and cannot be decoded"
    if probe.duration_s <= 0 or probe.frames == 0:
        return "the video has no readable duration"
    if probe.duration_s > max_seconds:
        return f"longer than {_minutes(max_seconds)}"
    long_edge, short_edge = max(probe.width, probe.height), min(probe.width, probe.height)
    if long_edge > MAX_LONG_EDGE or short_edge > MAX_SHORT_EDGE:
        return f"larger than 4K ({probe.width}×{probe.height}); the limit is 3840×2160"
    if probe.frames > 1 and not MIN_FPS <= probe.fps <= MAX_FPS:
        return f"a frame rate of {probe.fps:g} per second is not plausible for a video"
    return None

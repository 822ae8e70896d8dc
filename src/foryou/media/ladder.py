"""The portrait-aware rendition ladder: rungs by the short edge, never upscaled."""

from __future__ import annotations

from dataclasses import dataclass

MAX_FPS = 60
# short edge -> (video kbit/s cap, AAC kbit/s)
RUNGS = {360: (700, 96), 540: (1400, 128), 720: (2500, 128), 1080: (5000, 128)}


@dataclass(frozen=True)
class Rung:
    name: str  # directory name, e.g. "540"
    width: int
    height: int
    video_kbps: int
    audio_kbps: int
    fps: float

    @property
    def bandwidth(self) -> int:
        """Peak bits per second for the master playlist (container overhead included)."""
        return int((self.video_kbps * 1.5 + self.audio_kbps) * 1000 * 1.05)


def _even(x: float) -> int:
    return max(2, round(x / 2) * 2)


def ladder(width: int, height: int, fps: float) -> list[Rung]:
    """Rungs lowest first. A source below the lowest rung gets one rung at its own size."""
    short, long_ = min(width, height), max(width, height)
    out_fps = min(fps, MAX_FPS) if fps > 0 else 30.0
    edges = [edge for edge in RUNGS if edge <= short] or [min(RUNGS)]
    rungs = []
    for edge in edges:
        target_short = min(edge, short)
        scale = target_short / short
        rung_short, rung_long = _even(target_short), _even(long_ * scale)
        w, h = (rung_short, rung_long) if width <= height else (rung_long, rung_short)
        video_kbps, audio_kbps = RUNGS[edge]
        if fps > 31:  # high frame rates need more bits for the same picture
            video_kbps = int(video_kbps * 1.5)
        rungs.append(Rung(str(edge), w, h, video_kbps, audio_kbps, out_fps))
    return rungs

"""Short clips generated with the same ffmpeg the pipeline uses (nothing committed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from foryou.media.ffmpeg import ffmpeg_exe


def make_clip(
    path: Path,
    *,
    size: str = "360x640",
    seconds: float = 2,
    rate: int = 30,
    audio: bool = True,
    extra: list[str] | None = None,
    codec: str = "libx264",
) -> Path:
    args = [ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi"]
    args += ["-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=330:duration={seconds}"]
    args += ["-c:v", codec]
    if codec == "libx264":
        args += ["-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio:
        args += ["-c:a", "aac", "-shortest"]
    args += [*(extra or []), str(path)]
    subprocess.run(args, check=True, timeout=120)
    return path

"""ffmpeg, used as a pure tool: no settings, no database, so a remote worker can reuse it.

The binary comes from ``FORYOU_FFMPEG`` if set, else the ``imageio-ffmpeg`` wheel (a static
ffmpeg with libx264/libx265, installed by pip, no root), else ``ffmpeg`` on PATH. Probing uses
PyAV (its wheel carries the libraries), because the wheel ships no ffprobe.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess

REQUIRED_ENCODERS = ("libx264", "aac")
OPTIONAL_ENCODERS = ("libx265",)


class FfmpegMissing(RuntimeError):
    pass


@functools.cache
def ffmpeg_exe() -> str:
    explicit = os.environ.get("FORYOU_FFMPEG")
    if explicit:
        return explicit
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError):
        found = shutil.which("ffmpeg")
        if found:
            return found
    raise FfmpegMissing("no ffmpeg found: pip install imageio-ffmpeg or set FORYOU_FFMPEG")


@functools.cache
def capabilities() -> dict[str, object]:
    """The binary, its version and which of the encoders foryou uses it has."""
    exe = ffmpeg_exe()
    version = subprocess.run(
        [exe, "-hide_banner", "-version"], capture_output=True, text=True, timeout=30
    ).stdout.split("\n", 1)[0]
    listing = subprocess.run(
        [exe, "-hide_banner", "-encoders"], capture_output=True, text=True, timeout=30
    ).stdout
    names = set(re.findall(r"^\s*[VAS][.A-Z]{5}\s+(\S+)", listing, re.M))
    return {
        "path": exe,
        "version": version.removeprefix("ffmpeg version ").split(" ")[0],
        "encoders": {e: e in names for e in (*REQUIRED_ENCODERS, *OPTIONAL_ENCODERS)},
    }

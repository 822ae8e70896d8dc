"""Run ffmpeg as a child process with a wall-clock timeout, a memory limit and progress."""

from __future__ import annotations

import asyncio
import contextlib
import resource
from collections.abc import Callable, Sequence

from foryou.media.ffmpeg import ffmpeg_exe

ENCODE_MEMORY_BYTES = 6 << 30


class FfmpegFailed(RuntimeError):
    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr


def _limit_child() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ENCODE_MEMORY_BYTES, ENCODE_MEMORY_BYTES))


async def run_ffmpeg(
    args: Sequence[str],
    *,
    timeout_s: float,
    duration_s: float = 0,
    on_progress: Callable[[float], None] | None = None,
) -> str:
    """Run ``ffmpeg args``; report the fraction done; return stderr. Kills it on timeout."""
    proc = await asyncio.create_subprocess_exec(
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-nostats",
        "-loglevel",
        "error",
        "-progress",
        "pipe:1",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=_limit_child,
    )
    assert proc.stdout is not None and proc.stderr is not None
    stderr_task = asyncio.create_task(proc.stderr.read())

    async def follow_progress() -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            key, _, value = raw.decode(errors="replace").strip().partition("=")
            if key == "out_time_us" and on_progress and duration_s > 0 and value.isdigit():
                on_progress(min(1.0, int(value) / 1e6 / duration_s))

    try:
        await asyncio.wait_for(asyncio.gather(follow_progress(), proc.wait()), timeout_s)
    except (TimeoutError, asyncio.CancelledError):
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        stderr_task.cancel()
        raise
    stderr = (await stderr_task).decode(errors="replace")
    if proc.returncode != 0:
        raise FfmpegFailed(f"ffmpeg exited with {proc.returncode}", stderr[-2000:])
    return stderr

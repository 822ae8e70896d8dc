"""The stalls of a server's event loop while a load runs, and what caused them (bench only)."""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType


class LoopStalls:
    """While in use: the server loop's stalls (a tick every TICK_S that ran over STALL_S
    late), the garbage collections on the loop's thread that took over GC_S, and what the
    loop's thread was running during the stalls that were not collections (a watcher thread
    samples its stack every TICK_S while the tick is late)."""

    TICK_S, STALL_S, GC_S = 0.005, 0.04, 0.02

    def __init__(self, thread: threading.Thread, loop: asyncio.AbstractEventLoop) -> None:
        self.thread, self.loop = thread, loop
        self.stalls: list[float] = []
        self.collections: list[tuple[int, float]] = []  # (generation, seconds)
        self.elsewhere: list[tuple[int, float]] = []  # the same, on the other threads
        self.sampled: Counter[str] = Counter()  # innermost frames -> samples while stalled
        self._gc_began = 0.0
        self._ticked = time.perf_counter()
        self._watching = threading.Event()

    def __enter__(self) -> LoopStalls:
        gc.callbacks.append(self._on_gc)
        self._ticking = asyncio.run_coroutine_threadsafe(self._tick(), self.loop)
        self._watcher = threading.Thread(target=self._watch, daemon=True)
        self._watcher.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._ticking.cancel()
        self._watching.set()
        self._watcher.join()
        gc.callbacks.remove(self._on_gc)

    async def _tick(self) -> None:
        while True:
            began = self._ticked = time.perf_counter()
            await asyncio.sleep(self.TICK_S)
            if (late := time.perf_counter() - began - self.TICK_S) > self.STALL_S:
                self.stalls.append(late)

    def _watch(self) -> None:
        ident = self.thread.ident
        while not self._watching.wait(self.TICK_S):
            if time.perf_counter() - self._ticked < self.STALL_S + self.TICK_S:
                continue
            if (frame := sys._current_frames().get(ident or 0)) is not None:
                self.sampled[where(frame)] += 1

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":  # collections hold the GIL: one runs at a time
            self._gc_began = time.perf_counter()
        elif (took := time.perf_counter() - self._gc_began) > self.GC_S:
            on_loop = threading.current_thread() is self.thread
            (self.collections if on_loop else self.elsewhere).append((info["generation"], took))

    def __str__(self) -> str:
        gcs = f"{by_generation(self.collections)}; on other threads {by_generation(self.elsewhere)}"
        samples = "".join(f"\n    {n:4d} x {stack}" for stack, n in self.sampled.most_common(8))
        return (
            f"loop stalls > {self.STALL_S * 1000:.0f} ms: {len(self.stalls)}, "
            f"{sum(self.stalls) * 1000:.0f} ms in all, longest "
            f"{max(self.stalls, default=0) * 1000:.0f} ms; collections > "
            f"{self.GC_S * 1000:.0f} ms: {gcs}; stalled stacks ({self.TICK_S * 1000:.0f} ms "
            f"samples, innermost first):{samples or ' none'}"
        )


def by_generation(collections: list[tuple[int, float]]) -> str:
    took = {g: [s for gen, s in collections if gen == g] for g in range(3)}
    return ", ".join(
        f"gen {g} {len(t)}x max {max(t, default=0) * 1000:.0f} ms" for g, t in took.items()
    )


def where(frame: FrameType | None, depth: int = 4) -> str:
    """The innermost ``depth`` frames, as file:function."""
    names: list[str] = []
    while frame is not None and len(names) < depth:
        names.append(f"{Path(frame.f_code.co_filename).stem}:{frame.f_code.co_name}")
        frame = frame.f_back
    return " < ".join(names)

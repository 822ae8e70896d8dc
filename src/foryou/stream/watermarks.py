"""Per-partition watermarks in kv: the highest log offset a processor has applied.

A processor whose writes are not idempotent on their own (increments) skips records at or
below its watermark, so a replay of the log changes nothing; the marks are saved once the
batch is applied, so a crash mid-batch can re-apply at most that one batch.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from foryou.platform.events import Event
from foryou.platform.kv import KV

Handler = Callable[[dict[str, Any]], Awaitable[None]]


class Watermarks:
    def __init__(self, kv: KV, processor: str) -> None:
        self.kv, self.processor = kv, processor
        self._marks: dict[str, int] = {}

    async def advance(self, event: Event) -> bool:
        """True if the event is new (and moves the mark past it); False if applied before."""
        key = f"wm:{self.processor}:{event.topic}:{event.partition}"
        if key not in self._marks:
            raw = await self.kv.get(key)
            self._marks[key] = int(raw) if raw else -1
        if event.offset <= self._marks[key]:
            return False
        self._marks[key] = event.offset
        return True

    async def save(self) -> None:
        for key, offset in self._marks.items():
            await self.kv.set(key, str(offset).encode())


async def apply_new(
    kv: KV, processor: str, events: list[Event], handlers: Mapping[str, Handler]
) -> None:
    """Hands each event not applied before to its topic's handler, then saves the marks."""
    marks = Watermarks(kv, processor)
    for event in events:
        if await marks.advance(event):
            await handlers[event.topic](event.value)
    await marks.save()

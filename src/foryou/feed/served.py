"""What the feed served, with the features it scored each item on: the training side's record.

Every For You page adds one ``feed.served`` event to a buffer that a background task appends
to the ``served`` topic every ``FLUSH_S`` (one event-log write per flush, not per request).
The lake keeps these events, and training joins each served item with the watch and
interaction events that follow it, so an example carries its features as they were when it
was served: point-in-time correct by construction. A crash loses at most the last
``FLUSH_S`` of this log (training data, not anyone's state).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from foryou.platform import Platform
from foryou.platform.events import Record
from foryou.rec.pipeline import Candidate, FeedContext
from foryou.stream import topics

log = logging.getLogger(__name__)

FLUSH_S = 0.5
MAX_PENDING = 50_000  # beyond this (the log is down) the oldest records are dropped


class ServedLog:
    def __init__(self) -> None:
        self._pending: list[Record] = []

    def add(self, ctx: FeedContext, shown: Sequence[Candidate]) -> None:
        names = ctx.feature_names
        items = [
            {
                "video_id": c.video_id,
                "author_id": c.author_id,
                "position": position,
                "source": c.source,
                "score": round(c.score, 6),
                "features": dict(zip(names, ctx.features[c.row].tolist(), strict=True))
                if c.row >= 0
                else {},
            }
            for position, c in enumerate(shown)
        ]
        event = topics.make_event(
            "feed.served",
            request_id=ctx.request_id,
            viewer=ctx.viewer,
            user_id=ctx.user_id,
            region=ctx.region,
            model=ctx.scored_by,
            items=items,
        )
        self._pending.append((ctx.viewer or ctx.request_id, event))
        del self._pending[:-MAX_PENDING]

    async def flush(self, platform: Platform) -> int:
        pending, self._pending = self._pending, []
        if pending:
            try:
                await topics.append(platform.events, topics.SERVED, pending)
            except Exception:
                self._pending[:0] = pending  # kept for the next flush
                del self._pending[:-MAX_PENDING]
                raise
        return len(pending)

    async def keep_flushing(self, platform: Platform, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), FLUSH_S)
            try:
                await self.flush(platform)
            except Exception:
                log.exception("could not append the served log; retrying")


def served_log(platform: Platform) -> ServedLog:
    found: ServedLog = platform.local.setdefault("served_log", ServedLog())
    return found

"""Online training, as Monolith does it: ``foryou train --online``, embedded in ``foryou serve``.

The trainer starts from the live two-tower version and keeps consuming the event log (its
own consumer group). Each positive (a finished watch, a like) it has not learned from (newer
than the version's training data) joins a buffer; a full buffer is one sampled-softmax step,
with each viewer's latest positives as their history. Every ``push_every_s`` it writes an
update to the live version: the ID rows that changed since the last push, and the dense
projections every ``DENSE_EVERY``-th push (they move slowly, and are the larger part).
Serving applies updates on its next poll (``versions.Registry``) and reports the freshness,
from the oldest event an update learned from to serving with it
(``foryou_model_freshness_seconds``). When ``foryou train`` makes a new version live, the
trainer restarts from it.

Offsets are committed once a batch is learned, before its push: a trainer that dies loses at
most the last minute of online learning, which the next batch training covers.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from foryou.platform import Platform
from foryou.platform.events import Consumer, Event
from foryou.rec.ml import versions
from foryou.rec.ml.serving import RETRIEVAL, viewer_id
from foryou.stream import topics
from foryou.stream.features import finished

if TYPE_CHECKING:  # torch loads only once there is a live version to train
    from foryou.rec.ml.two_tower import TwoTower

log = logging.getLogger(__name__)

CONSUMER = "online-trainer"
TOPICS = (topics.WATCH, topics.INTERACTIONS)
BATCH = 256  # positives per step: the in-batch softmax needs negatives
DENSE_EVERY = 10
VIEWERS = 100_000  # viewers whose latest positives the trainer keeps (least recent dropped)


def positive(event: Event) -> tuple[str, int, int] | None:
    """(viewer, video id, event ms) when the event is a positive."""
    v = event.value
    watched = event.topic == topics.WATCH and v.get("type") == "watch"
    if watched and v.get("viewer") and finished(v):
        return str(v["viewer"]), int(v["video_id"]), int(v.get("received_ms") or event.ts_ms)
    if event.topic == topics.INTERACTIONS and v.get("type") == "like.added":
        return f"u:{v['user_id']}", int(v["video_id"]), event.ts_ms
    return None


@dataclass
class OnlineTrainer:
    model: TwoTower
    version: str
    since_ms: float  # positives at or before this are in the version already
    _buffer: list[tuple[str, int, int]] = field(default_factory=list)
    _history: OrderedDict[str, deque[int]] = field(default_factory=OrderedDict)
    _events_ms: list[int] = field(default_factory=list)  # oldest, newest since the last push
    pushes: int = 0
    learned: int = 0

    def learn(self, events: list[Event], *, flush: bool = False) -> int:
        """Buffer the new positives and step on every full batch (or what there is, when
        ``flush``); how many positives were learned from."""
        for event in events:
            found = positive(event)
            if found is not None and found[2] > self.since_ms:
                self._buffer.append(found)
        done = 0
        while len(self._buffer) >= BATCH or (flush and len(self._buffer) >= 2):
            batch, self._buffer = self._buffer[:BATCH], self._buffer[BATCH:]
            self._step(batch)
            done += len(batch)
        self.learned += done
        return done

    def _step(self, batch: list[tuple[str, int, int]]) -> None:
        users = np.array([viewer_id(viewer) for viewer, _, _ in batch], dtype=np.int64)
        items = np.array([video for _, video, _ in batch], dtype=np.int64)
        histories = [list(self._latest(viewer)) for viewer, _, _ in batch]
        self.model.step(users, items, histories, now=time.time())
        for viewer, video, at_ms in batch:
            self._latest(viewer).append(video)
            first, last = self._events_ms or (at_ms, at_ms)
            self._events_ms = [min(first, at_ms), max(last, at_ms)]

    def _latest(self, viewer: str) -> deque[int]:
        if viewer in self._history:
            self._history.move_to_end(viewer)
        else:
            self._history[viewer] = deque(maxlen=self.model.config.history or 1)
            if len(self._history) > VIEWERS:
                self._history.popitem(last=False)
        return self._history[viewer]

    def take_update(self) -> bytes | None:
        """What changed since the last call, serialised; None when nothing did."""
        import torch

        if not self._events_ms:
            return None
        update = self.model.take_update(dense=self.pushes % DENSE_EVERY == 0)
        update["events_ms"] = self._events_ms
        self._events_ms, self.pushes = [], self.pushes + 1
        out = io.BytesIO()
        torch.save(update, out)
        return out.getvalue()


class OnlineLoop:
    """The trainer against the platform: follows the live version, consumes, pushes."""

    def __init__(self, platform: Platform, push_every_s: float = 60.0) -> None:
        self.platform, self.push_every_s = platform, push_every_s
        self.trainer: OnlineTrainer | None = None
        self._next_seq = 0
        self._pushed_at = time.monotonic()

    async def follow_live(self) -> bool:
        """Start from the live version when it is not the one being trained; whether a
        trainer is ready."""
        live = await versions.live(self.platform, RETRIEVAL)
        if live is None:
            return False
        if self.trainer is None or self.trainer.version != live.version:
            from foryou.rec.ml.two_tower import TwoTower

            data = await versions.weights(self.platform, RETRIEVAL, live.version)
            model = await asyncio.to_thread(TwoTower.from_bytes, data)
            since = live.metrics.get("trained_until_ms", 0.0)
            self.trainer = OnlineTrainer(model, live.version, since)
            done = await versions.updates(self.platform, RETRIEVAL, live.version)
            self._next_seq = done[-1] + 1 if done else 0
            log.info("online training follows %s", live.version)
        return True

    async def tick(self, consumer: Consumer, *, timeout_s: float = 0.5) -> int:
        """One poll: learn from it, commit, and push when due; the events polled."""
        assert self.trainer is not None
        events = await consumer.poll(max_records=1000, timeout_s=timeout_s)
        due = time.monotonic() - self._pushed_at >= self.push_every_s
        await asyncio.to_thread(self.trainer.learn, events, flush=due)
        await consumer.commit()
        if due:
            await self.push()
        return len(events)

    async def push(self) -> bool:
        assert self.trainer is not None
        self._pushed_at = time.monotonic()
        data = await asyncio.to_thread(self.trainer.take_update)
        if data is None:
            return False
        version = self.trainer.version
        await versions.publish_update(self.platform, RETRIEVAL, version, self._next_seq, data)
        log.info(
            "online update %d to %s (%d positives learned so far)",
            self._next_seq,
            version,
            self.trainer.learned,
        )
        self._next_seq += 1
        return True

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                if not await self.follow_live():
                    with contextlib.suppress(TimeoutError):  # nothing to train yet
                        await asyncio.wait_for(stop.wait(), self.push_every_s)
                    continue
                consumer = self.platform.events.consumer(CONSUMER, TOPICS)
                try:
                    started = time.monotonic()
                    while not stop.is_set() and time.monotonic() - started < self.push_every_s:
                        await self.tick(consumer)
                finally:
                    await consumer.close()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("online training failed; starting again from the live version")
                self.trainer = None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 5.0)

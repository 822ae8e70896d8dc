"""The prequential replay of ``foryou eval --prequential``: recommend, then reveal.

The dataset's interactions in replay order (``replay.replay_order``): the first
``warmup`` share is replayed and a version is trained on it (``foryou train``'s job), the rest
is cut into ``windows``. For each window, every viewer in it who has earlier interactions is
asked for K videos and scored against what they went on to do in that window; then the
window is revealed: replayed through the event log and applied by the stream processors, so
the features, the seen filter and the viewers' histories move on for both arms. Only the
model differs: the batch arm keeps the version as trained; the online arm is the same version
with every window's online updates (``foryou.rec.ml.online``, one push per window) applied.
Both arms are asked on the same platform, one after the other, for the same viewers.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from foryou.platform import Platform
from foryou.platform.events import Consumer
from foryou.rec.ml import data, evaluate, offline, replay
from foryou.rec.ml.online import CONSUMER, TOPICS, OnlineLoop
from foryou.rec.ml.serving import retrieval


@dataclass(frozen=True)
class Window:
    users: int
    batch: evaluate.Scores
    online: evaluate.Scores


@dataclass(frozen=True)
class Report:
    dataset: str
    warmup_interactions: int
    k: int
    windows: list[Window]
    learned: int  # positives the online arm learned from

    def mean_ndcg(self, arm: str) -> float:
        scored = [w for w in self.windows if w.users]
        return float(np.mean([getattr(w, arm).ndcg for w in scored])) if scored else 0.0


async def run(
    folder: Path,
    *,
    k: int = 20,
    windows: int = 5,
    warmup: float = 0.5,
    epochs: int = 10,
    steps: offline.Steps | None = None,
) -> Report:
    everything, _ = data.load(folder)
    ordered = everything.take(replay.replay_order(everything))
    cut = int(len(ordered) * warmup)
    if cut < 1 or len(ordered) - cut < windows:
        raise data.DatasetError(f"{folder}: too few interactions for {windows} windows")
    catalog = np.unique(ordered.items)
    step = steps or (lambda name, done, total: None)
    first = ordered.take(np.arange(len(ordered)) < cut)
    bounds = np.linspace(cut, len(ordered), windows + 1).astype(int)
    async with offline.trained_platform(folder, catalog, first, epochs, step) as (platform, videos):
        registry = retrieval(platform)
        batch_model = registry.model
        loop = OnlineLoop(platform, push_every_s=math.inf)  # pushed once per window
        await loop.follow_live()
        consumer = platform.events.consumer(CONSUMER, TOPICS)
        known = set(first.users.tolist())
        scored = []
        try:
            for n, (start, stop) in enumerate(itertools.pairwise(bounds)):
                step("prequential windows", n, windows)
                window = ordered.take(
                    (np.arange(len(ordered)) >= start) & (np.arange(len(ordered)) < stop)
                )
                truth = {u: items for u, items in window.by_user().items() if u in known}
                online_model = registry.model
                registry.model = batch_model
                batch_lists = await _ask(platform, videos, truth, k)
                registry.model = online_model
                online_lists = await _ask(platform, videos, truth, k)
                scored.append(
                    Window(
                        len(truth),
                        evaluate.score(batch_lists, truth, k, len(catalog)),
                        evaluate.score(online_lists, truth, k, len(catalog)),
                    )
                )
                await _reveal(platform, loop, consumer, window, videos)
                known.update(window.users.tolist())
            step("prequential windows", windows, windows)
        finally:
            await consumer.close()
        learned = loop.trainer.learned if loop.trainer else 0
    return Report(folder.name, cut, k, scored, learned)


async def _ask(
    platform: Platform, videos: replay.Catalog, truth: dict[int, set[int]], k: int
) -> dict[int, list[int]]:
    lists, _ = await offline.ask_feed(platform, videos, sorted(truth), k, lambda *_: None)
    return lists


async def _reveal(
    platform: Platform,
    loop: OnlineLoop,
    consumer: Consumer,
    window: data.Interactions,
    videos: replay.Catalog,
) -> None:
    """The window through the event log and the stream processors; the online arm learns
    from it and its update is applied to serving."""
    await replay.replay(platform, window, videos)
    await replay.apply_log(platform)
    while await loop.tick(consumer, timeout_s=0.1):
        pass
    if loop.trainer is not None:
        await asyncio.to_thread(loop.trainer.learn, [], flush=True)
        await loop.push()
    await retrieval(platform).refresh(platform)

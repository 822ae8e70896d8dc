"""A product-mixer style pipeline: named stages in order, each timed, sources fail-open.

A product is just its list of stages (``foryou.rec.products``). Sources run concurrently,
each within its own time budget; one that raises or overruns is skipped and counted as
degraded. Filters drop candidates, scorers add to their score, selectors reorder and cut.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from prometheus_client import Counter, Histogram

from foryou.platform import Platform

log = logging.getLogger(__name__)

STAGE_SECONDS = Histogram(
    "foryou_feed_stage_seconds",
    "Time spent in each stage of a feed pipeline",
    ["product", "stage"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)
DEGRADED = Counter(
    "foryou_feed_degraded_total",
    "Feed stages that failed or ran out of time; the feed answered without them",
    ["product", "stage", "why"],
)


@functools.cache
def _stage_seconds(product: str, stage: str) -> Histogram:
    """The stage's histogram child, looked up once: a request observes ~18 stages."""
    return STAGE_SECONDS.labels(product, stage)


class SourcesUnavailable(RuntimeError):
    """Sources failed and the rest found nothing: the caller falls back (kv is likely down)."""


@dataclass(slots=True)
class Candidate:
    video_id: int
    source: str  # the source that found it first: the item's reason
    detail: str | None = None
    author_id: int = 0
    hashtags: Sequence[str] = ()
    created_ms: int = 0
    row: int = -1  # this candidate's row in FeedContext.features, once hydrated
    score: float = 0.0
    explore: bool = False


@dataclass
class FeedContext:
    platform: Platform
    viewer: str | None  # "u:<id>" or "d:<device id>"
    user_id: int | None
    limit: int
    request_id: str
    region: str | None = None  # ISO 3166 alpha-2, when known
    now: float = field(default_factory=time.time)
    scratch: dict[str, Any] = field(default_factory=dict)  # what stages share (history, ...)
    timings: dict[str, float] = field(default_factory=dict)  # stage -> seconds, this request
    # hydrated features: one row per candidate (Candidate.row), columns named by feature_names
    features: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 0)))
    feature_names: tuple[str, ...] = ()
    age_days: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))  # row order
    scored_by: str = "heuristic"  # the value model, and the model versions it used


Source = Callable[[FeedContext], Awaitable[list[Candidate]]]
Step = Callable[[FeedContext, list[Candidate]], Awaitable[list[Candidate]]]


@dataclass(frozen=True)
class SourceStage:
    name: str
    run: Source
    budget_s: float = 0.05


@dataclass(frozen=True)
class StepStage:
    name: str
    run: Step


@dataclass(frozen=True)
class Pipeline:
    product: str
    sources: Sequence[SourceStage]
    steps: Sequence[StepStage]  # filters, hydration, scorers, selectors, decorators, in order

    async def run(self, ctx: FeedContext) -> list[Candidate]:
        started = time.perf_counter()
        found = await asyncio.gather(*(self._source(stage, ctx) for stage in self.sources))
        merged: dict[int, Candidate] = {}
        for batch in found:
            for candidate in batch or []:
                merged.setdefault(candidate.video_id, candidate)
        if not merged and any(batch is None for batch in found):
            raise SourcesUnavailable(f"{self.product}: nothing found and a source failed")
        candidates = list(merged.values())
        self._timed(ctx, "sources", started)
        for stage in self.steps:
            began = time.perf_counter()
            candidates = await stage.run(ctx, candidates)
            self._timed(ctx, stage.name, began)
        return candidates

    def _timed(self, ctx: FeedContext, stage: str, began: float) -> None:
        ctx.timings[stage] = elapsed = time.perf_counter() - began
        _stage_seconds(self.product, stage).observe(elapsed)

    async def _source(self, stage: SourceStage, ctx: FeedContext) -> list[Candidate] | None:
        """The source's candidates, or None when it failed (an empty answer is not a failure).
        The budget starts when this task first runs, so time spent queued behind other
        requests on a busy loop is not charged to the source."""
        began = time.perf_counter()
        try:
            async with asyncio.timeout(stage.budget_s):
                return await stage.run(ctx)
        except TimeoutError:
            DEGRADED.labels(self.product, stage.name, "timeout").inc()
            log.warning("feed source %s ran out of time", stage.name)
        except Exception:
            DEGRADED.labels(self.product, stage.name, "error").inc()
            log.exception("feed source %s failed; answering without it", stage.name)
        finally:
            self._timed(ctx, stage.name, began)
        return None

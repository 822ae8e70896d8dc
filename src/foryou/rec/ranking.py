"""Hydration from the online feature store, and the heuristic value model.

Until a trained ranker is loaded, a candidate's value is (per play, from decayed counters
with weak priors): P(complete) + 4·P(like) + 8·P(share), plus the viewer's affinity for the
creator and hashtags (tanh-squashed), 2.5 × the cosine between the viewer and the video in
the live two-tower model (``learned_affinity``, 0 until one is live), a popularity term
0.3 · log(1 + trending) and a freshness bonus that halves every day. The learned and
popularity weights were chosen on ``foryou eval``'s two datasets (bench/README.md): trending
counts the last day or so, and what is popular now is a strong prior for what a viewer
picks next. The other terms are online
features, so the model reacts within seconds to what viewers do.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from foryou.rec import features as f
from foryou.rec import learned
from foryou.rec.features.shared import shared_rows
from foryou.rec.ml.serving import captions, ranking, viewer_id
from foryou.rec.pipeline import Candidate, FeedContext

if TYPE_CHECKING:
    from foryou.rec.ml.ranker import Ranker

# What the heuristic and the bandit read; a trained ranker hydrates its own feature schema.
COUNTERS = ("plays", "completions", "likes", "shares", "trending")
FEATURES = (*COUNTERS, "creator_affinity", "tag_affinity", "learned_affinity")
WEIGHTS = {
    "like": 4.0,
    "share": 8.0,
    "affinity": 0.8,
    "learned": 2.5,  # per unit of cosine with the live two-tower's viewer vector
    "popularity": 0.3,
    "freshness": 0.3,
}
FOLLOWING_BONUS = 0.3
_ROW_BYTES = len(COUNTERS) * np.dtype(np.float64).itemsize


async def hydrate(ctx: FeedContext, candidates: list[Candidate]) -> list[Candidate]:
    """One row per candidate in ``ctx.features`` (columns named by FEATURES)."""
    kv = ctx.platform.kv

    async def counters(video_ids: list[int]) -> list[bytes]:
        """Each video's counters as one row of float64s in bytes: bytes are not tracked by
        the garbage collector (tuples are), and every settle walked the 8,000-11,000 tuples
        that half a second of rows kept alive at 1M videos (bench/README.md)."""
        columns = await f.read_decayed_many(kv, COUNTERS, [str(v) for v in video_ids], ctx.now)
        packed = columns.T.tobytes()
        return [packed[at : at + _ROW_BYTES] for at in range(0, len(packed), _ROW_BYTES)]

    # (the trending column is global: regional popularity already chose the candidates)
    shared = await shared_rows(ctx.platform, "counters", [c.video_id for c in candidates], counters)
    creator_affinity = ctx.scratch.get("creator_affinity", {})
    ctx.features = np.column_stack(
        [
            np.frombuffer(b"".join(shared), dtype=np.float64).reshape(-1, len(COUNTERS)),
            [creator_affinity.get(c.author_id, 0.0) for c in candidates],
            await tag_affinity(ctx, candidates),
            np.asarray(learned.affinity(ctx, candidates), dtype=np.float64),
        ]
    )
    ctx.feature_names = FEATURES
    ctx.age_days = age_days(ctx.now, candidates)
    for row, candidate in enumerate(candidates):
        candidate.row = row
    return candidates


async def tag_affinity(ctx: FeedContext, candidates: list[Candidate]) -> npt.NDArray[np.float64]:
    """The viewer's affinity for each candidate's hashtags, summed per candidate. Every tag is
    read as it comes, repeats and all: cheaper than collecting the distinct ones first."""
    lengths = [len(c.hashtags) for c in candidates]
    if ctx.viewer is None or not any(lengths):
        return np.zeros(len(candidates))
    tags = [tag for c in candidates for tag in c.hashtags]
    [scores] = await f.read_decayed_many(ctx.platform.kv, [f"ah:{ctx.viewer}"], tags, ctx.now)
    owner = np.repeat(np.arange(len(candidates)), lengths)
    return np.bincount(owner, weights=scores, minlength=len(candidates)).astype(
        np.float64, copy=False
    )


def column(ctx: FeedContext, name: str) -> npt.NDArray[np.float64]:
    return ctx.features[:, FEATURES.index(name)]


def age_days(now: float, candidates: list[Candidate]) -> npt.NDArray[np.float64]:
    """Days since each candidate was published, in list order. Hydrate computes it once for
    the value model and the bandit, which each made their own Python pass (bench/README.md)."""
    created_ms = np.fromiter((c.created_ms for c in candidates), np.float64, len(candidates))
    return np.maximum(now * 1000 - created_ms, 0) / 86_400_000


def values(ctx: FeedContext, candidates: list[Candidate]) -> npt.NDArray[np.float64]:
    """The heuristic value of each hydrated candidate, in ``ctx.features`` row order."""
    plays = np.maximum(column(ctx, "plays"), 0.0)
    p_complete = (column(ctx, "completions") + 1) / (plays + 3)
    p_like = (column(ctx, "likes") + 0.1) / (plays + 10)
    p_share = (column(ctx, "shares") + 0.05) / (plays + 20)
    affinity = np.tanh(column(ctx, "creator_affinity") / 4) + 0.5 * np.tanh(
        column(ctx, "tag_affinity") / 4
    )
    following = np.zeros(len(ctx.features))
    for c in candidates:
        following[c.row] = c.source == "following"
    value: npt.NDArray[np.float64] = (
        p_complete
        + WEIGHTS["like"] * p_like
        + WEIGHTS["share"] * p_share
        + WEIGHTS["affinity"] * affinity
        + WEIGHTS["learned"] * column(ctx, "learned_affinity")
        + WEIGHTS["popularity"] * np.log1p(np.maximum(column(ctx, "trending"), 0.0))
        + WEIGHTS["freshness"] * np.exp2(-ctx.age_days)
        + FOLLOWING_BONUS * following
    )
    return value


async def score(ctx: FeedContext, candidates: list[Candidate]) -> list[Candidate]:
    """The live ranker's value when one is live (``foryou train --model ranker``), else the
    heuristic's."""
    if not candidates:
        return candidates
    registry = ranking(ctx.platform)
    if registry.model is None:
        value = values(ctx, candidates)
    else:
        value = await asyncio.to_thread(learned_values, ctx, candidates, registry.model)
        ctx.scored_by = ctx.scored_by.replace("heuristic", f"ranker@{registry.version}", 1)
    for candidate in candidates:
        candidate.score += float(value[candidate.row])
    return candidates


def learned_values(
    ctx: FeedContext, candidates: list[Candidate], ranker: Ranker
) -> npt.NDArray[np.float64]:
    """The ranker's value of each hydrated candidate, in ``ctx.features`` row order."""
    videos = [0] * len(candidates)
    for c in candidates:
        videos[c.row] = c.video_id
    viewer = viewer_id(ctx.viewer) if ctx.viewer else 0
    predicted = ranker.predict(
        [viewer] * len(videos), videos, ctx.features, captions(ctx.platform, videos)
    )
    return ranker.values(predicted)

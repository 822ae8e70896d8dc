"""The live two-tower version (``foryou train``) in the feed: a source and a score term.

The source retrieves by the viewer's vector against the learned vectors of the videos the
model was trained on. The viewer's vector adds their latest positives from the feature
store to their learned row, so it moves with every finished video, and a viewer the model
has never seen gets one after their first. The same vector's cosine with every candidate is
a hydrated feature (``learned_affinity``), so the value model (heuristic or ranker) weighs
what the model learned next to the online counters. Both do nothing until a version is live;
new videos come from the other sources.
"""

from __future__ import annotations

import asyncio

from foryou.platform import Platform
from foryou.rec.ml.serving import retrieval
from foryou.rec.pipeline import Candidate, FeedContext

NEIGHBOURS = 80
HISTORY = 50  # the latest positives read for the viewer's vector
DETAIL = "viewers with your taste finished this"


async def latest_positives(platform: Platform, viewer: str) -> list[int]:
    """The viewer's latest ``HISTORY`` positives from the feature store, newest last: what
    their vector averages."""
    rows = await platform.kv.zrevrange_by_score(f"uh:{viewer}", limit=HISTORY)
    return [int(member) for member, _ in reversed(rows)]


async def two_tower(ctx: FeedContext) -> list[Candidate]:
    registry = retrieval(ctx.platform)
    live = registry.model
    if live is None or ctx.viewer is None:
        return []
    history = await latest_positives(ctx.platform, ctx.viewer)
    if not history and not live.knows(ctx.viewer):
        return []
    query = await asyncio.to_thread(live.viewer_vector, ctx.viewer, history)
    ctx.scratch["learned_viewer"] = (live, query, registry.version)
    found = await asyncio.to_thread(live.search, query, NEIGHBOURS)
    return [Candidate(video_id, "similar", DETAIL) for video_id in found]


def affinity(ctx: FeedContext, candidates: list[Candidate]) -> list[float]:
    """The cosine of each candidate with the viewer's learned vector, whichever source found
    it; zeros when the source did not compute the vector in time (or no version is live)."""
    if "learned_viewer" not in ctx.scratch:
        return [0.0] * len(candidates)
    live, query, version = ctx.scratch["learned_viewer"]
    ctx.scored_by += f"+two_tower@{version}"
    found: list[float] = live.similarity(query, [c.video_id for c in candidates]).tolist()
    return found

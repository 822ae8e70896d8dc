"""Retrieval by the live two-tower version (``foryou train``): the viewer's vector against
the learned vectors of the videos it was trained on. The viewer's vector adds their latest
positives from the feature store to their learned row, so it moves with every finished video
and a viewer the model has never seen gets one after their first. Finds nothing until a
version is live; new videos come from the other sources."""

from __future__ import annotations

import asyncio

from foryou.rec.ml.serving import retrieval
from foryou.rec.pipeline import Candidate, FeedContext

NEIGHBOURS = 80
HISTORY = 50  # the latest positives read for the viewer's vector
DETAIL = "viewers with your taste finished this"


async def two_tower(ctx: FeedContext) -> list[Candidate]:
    live = retrieval(ctx.platform).model
    if live is None or ctx.viewer is None:
        return []
    rows = await ctx.platform.kv.zrevrange_by_score(f"uh:{ctx.viewer}", limit=HISTORY)
    history = [int(member) for member, _ in reversed(rows)]
    if not history and not live.knows(ctx.viewer):
        return []
    found = await asyncio.to_thread(live.search, ctx.viewer, history, NEIGHBOURS)
    return [Candidate(video_id, "similar", DETAIL) for video_id in found]

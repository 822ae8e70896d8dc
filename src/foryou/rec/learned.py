"""Retrieval by the live two-tower version (``foryou train``): the viewer's learned vector
against the learned vectors of the videos it was trained on. Finds nothing until a version is
live or for a viewer it has not learned; new videos come from the other sources."""

from __future__ import annotations

import asyncio

from foryou.rec.ml.serving import retrieval
from foryou.rec.pipeline import Candidate, FeedContext

NEIGHBOURS = 80
DETAIL = "viewers with your taste finished this"


async def two_tower(ctx: FeedContext) -> list[Candidate]:
    live = retrieval(ctx.platform).model
    if live is None or ctx.viewer is None or not live.knows(ctx.viewer):
        return []
    found = await asyncio.to_thread(live.search, ctx.viewer, NEIGHBOURS)
    return [Candidate(video_id, "similar", DETAIL) for video_id in found]

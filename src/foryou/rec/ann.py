"""Embedding retrieval: the viewer's vector against the ANN index of caption embeddings.

Until a two-tower model is trained, a video's vector is its caption embedding and a viewer's
is the recency-weighted mean of what they finished or liked (``uh:<viewer>``, newest first),
so it moves with every positive signal. Replicas that do not run the embeddings processor
reload its snapshot from blobs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import numpy as np

from foryou.platform import Platform
from foryou.platform.blobs import BlobNotFound
from foryou.rec.pipeline import Candidate, FeedContext
from foryou.stream.embeddings import SNAPSHOT_EVERY_S, SNAPSHOT_KEY

log = logging.getLogger(__name__)

HISTORY = 20
RECENCY = 0.85  # each older positive counts this much less
NEIGHBOURS = 80


async def viewer_vector(ctx: FeedContext) -> np.ndarray | None:
    if ctx.viewer is None:
        return None
    rows = await ctx.platform.kv.zrevrange_by_score(f"uh:{ctx.viewer}", limit=HISTORY)
    ctx.scratch["history"] = [int(member) for member, _ in rows]
    vectors, weights = [], []
    for rank, video_id in enumerate(ctx.scratch["history"]):
        vector = ctx.platform.vectors.get(video_id)
        if vector is not None:
            vectors.append(vector)
            weights.append(RECENCY**rank)
    if not vectors:
        return None
    return np.average(np.vstack(vectors), axis=0, weights=weights).astype(np.float32)


async def embedding(ctx: FeedContext) -> list[Candidate]:
    query = await viewer_vector(ctx)
    if query is None:
        return []
    found = await asyncio.to_thread(
        ctx.platform.vectors.search, query, NEIGHBOURS, exclude=set(ctx.scratch["history"])
    )
    return [Candidate(video_id, "similar", "like videos you watched") for video_id, _ in found]


async def keep_loaded(platform: Platform, stop: asyncio.Event) -> None:
    """Reload the index snapshot whenever it changes (for replicas without the processor)."""
    etag = None
    while not stop.is_set():
        with contextlib.suppress(BlobNotFound):
            info = await platform.blobs.stat(SNAPSHOT_KEY)
            if info is not None and info.etag != etag:
                try:
                    await platform.vectors.load(platform.blobs, SNAPSHOT_KEY)
                    etag = info.etag
                except ValueError:
                    log.exception("the caption index snapshot does not load; keeping the last one")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), SNAPSHOT_EVERY_S)

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
from foryou.platform.vectors import VectorIndex
from foryou.rec.pipeline import Candidate, FeedContext
from foryou.stream.embeddings import SNAPSHOT_EVERY_S, SNAPSHOT_KEY

log = logging.getLogger(__name__)

HISTORY = 20
RECENCY = 0.85  # each older positive counts this much less
NEIGHBOURS = 80


async def recent_positives(ctx: FeedContext) -> list[int]:
    """What the viewer last finished or liked, newest first."""
    rows = await ctx.platform.kv.zrevrange_by_score(f"uh:{ctx.viewer}", limit=HISTORY)
    return [int(member) for member, _ in rows]


def viewer_vector(vectors: VectorIndex, history: list[int]) -> np.ndarray | None:
    positions, rows = vectors.get_many(history)
    if not len(positions):
        return None
    weights = RECENCY**positions  # (np.average's checks cost more than this product)
    mean: np.ndarray = (weights @ rows) / weights.sum()
    return mean.astype(np.float32)


def neighbours(vectors: VectorIndex, history: list[int]) -> list[int]:
    """The videos nearest the viewer's vector, not counting what they already watched."""
    query = viewer_vector(vectors, history)
    if query is None:
        return []
    return [video_id for video_id, _ in vectors.search(query, NEIGHBOURS, exclude=set(history))]


async def embedding(ctx: FeedContext) -> list[Candidate]:
    if ctx.viewer is None or not (history := await recent_positives(ctx)):
        return []
    # The history's vectors are read in the worker thread too: on the loop, faiss released
    # the GIL for the read and the loop then queued to take it back (bench/README.md).
    found = await asyncio.to_thread(neighbours, ctx.platform.vectors, history)
    return [Candidate(video_id, "similar", "like videos you watched") for video_id in found]


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

"""Filters, cheapest first. Each drops candidates; none reorders."""

from __future__ import annotations

from foryou.rec import features as f
from foryou.rec.features.shared import shared_rows
from foryou.rec.pipeline import Candidate, FeedContext
from foryou.stream.features import video_meta

NOPE_AFFINITY = -5.0  # a creator this disliked is not shown at all


async def published(ctx: FeedContext, candidates: list[Candidate]) -> list[Candidate]:
    """Only ready, public videos (the feature store holds metadata for exactly those)."""
    platform = ctx.platform
    metas = await shared_rows(
        platform, "meta", [c.video_id for c in candidates], lambda ids: video_meta(platform, ids)
    )
    kept = []
    for candidate, meta in zip(candidates, metas, strict=True):
        if meta is not None:
            candidate.author_id, candidate.hashtags, candidate.created_ms = meta
            kept.append(candidate)
    return kept


async def not_own(ctx: FeedContext, candidates: list[Candidate]) -> list[Candidate]:
    return [c for c in candidates if c.author_id != ctx.user_id]


async def unseen(ctx: FeedContext, candidates: list[Candidate]) -> list[Candidate]:
    if ctx.viewer is None:
        return candidates
    seen = await f.seen(ctx.platform.kv, ctx.viewer, [c.video_id for c in candidates])
    return [c for c, was_seen in zip(candidates, seen, strict=True) if not was_seen]


async def not_unwanted(ctx: FeedContext, candidates: list[Candidate]) -> list[Candidate]:
    """Not marked not-interested, and not by a creator the viewer keeps rejecting."""
    if ctx.viewer is None or not candidates:
        return candidates
    kv = ctx.platform.kv
    nope = await kv.zscores(f"ni:{ctx.viewer}", [str(c.video_id) for c in candidates])
    authors = sorted({c.author_id for c in candidates})
    scores = await f.read_decayed(kv, f"ac:{ctx.viewer}", [str(a) for a in authors], ctx.now)
    affinity = dict(zip(authors, scores, strict=True))
    ctx.scratch["creator_affinity"] = affinity  # by author id
    return [
        c
        for c, no in zip(candidates, nope, strict=True)
        if no is None and affinity[c.author_id] > NOPE_AFFINITY
    ]

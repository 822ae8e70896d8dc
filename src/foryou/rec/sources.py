"""Candidate sources. Each reads the feature store in kv; none touches SQL on the hot path."""

from __future__ import annotations

import asyncio

from foryou.rec import features as f
from foryou.rec.pipeline import Candidate, FeedContext
from foryou.stream.catalog import RECENT_KEY
from foryou.stream.features import trending_name

FRESH_POOL = 100
TRENDING_POOL = 100
PER_TAG, PER_CREATOR, PER_SEED = 25, 10, 10
TOP_TAGS, TOP_CREATORS, SEEDS = 4, 4, 5
FOLLOWEES, PER_FOLLOWEE = 30, 4  # the most recently followed


def _ids(rows: list[tuple[str, float]]) -> list[int]:
    return [int(member) for member, _ in rows]


async def fresh(ctx: FeedContext) -> list[Candidate]:
    rows = await ctx.platform.kv.zrevrange_by_score(RECENT_KEY, limit=FRESH_POOL)
    return [Candidate(v, "fresh", "new on foryou") for v in _ids(rows)]


async def trending(ctx: FeedContext) -> list[Candidate]:
    """Popular in the viewer's region first (when known), then everywhere."""
    kv, found = ctx.platform.kv, []
    if ctx.region:
        rows = await f.top_decayed(kv, trending_name(ctx.region), TRENDING_POOL // 2, ctx.now)
        found = [Candidate(v, "trending", f"popular in {ctx.region}") for v in _ids(rows)]
    rows = await f.top_decayed(kv, trending_name(None), TRENDING_POOL - len(found), ctx.now)
    return found + [Candidate(v, "trending", "popular right now") for v in _ids(rows)]


async def following(ctx: FeedContext) -> list[Candidate]:
    if ctx.user_id is None:
        return []
    kv = ctx.platform.kv
    followees = _ids(await kv.zrevrange_by_score(f"fo:{ctx.user_id}", limit=FOLLOWEES))
    batches = await asyncio.gather(
        *(kv.zrevrange_by_score(f"cr:{a}", limit=PER_FOLLOWEE) for a in followees)
    )
    return [Candidate(v, "following", "from people you follow") for b in batches for v in _ids(b)]


async def similar_hashtags(ctx: FeedContext) -> list[Candidate]:
    if ctx.viewer is None:
        return []
    kv = ctx.platform.kv
    tags = [
        t
        for t, score in await f.top_decayed(kv, f"ah:{ctx.viewer}", TOP_TAGS, ctx.now)
        if score > 0
    ]
    batches = await asyncio.gather(*(kv.zrevrange_by_score(f"ht:{t}", limit=PER_TAG) for t in tags))
    return [
        Candidate(v, "similar", f"because you watch #{tag}")
        for tag, rows in zip(tags, batches, strict=True)
        for v in _ids(rows)
    ]


async def liked_creators(ctx: FeedContext) -> list[Candidate]:
    if ctx.viewer is None:
        return []
    kv = ctx.platform.kv
    top = await f.top_decayed(kv, f"ac:{ctx.viewer}", TOP_CREATORS, ctx.now)
    creators = [c for c, score in top if score > 0]
    batches = await asyncio.gather(
        *(kv.zrevrange_by_score(f"cr:{c}", limit=PER_CREATOR) for c in creators)
    )
    return [Candidate(v, "similar", "from creators you watch") for b in batches for v in _ids(b)]


async def co_engaged(ctx: FeedContext) -> list[Candidate]:
    """Item to item: what viewers who finished or liked your recent videos also finished."""
    if ctx.viewer is None:
        return []
    kv = ctx.platform.kv
    seeds = _ids(await kv.zrevrange_by_score(f"uh:{ctx.viewer}", limit=SEEDS))
    batches = await asyncio.gather(
        *(kv.zrevrange_by_score(f"co:{s}", limit=PER_SEED) for s in seeds)
    )
    return [
        Candidate(v, "similar", "viewers like you finished this") for b in batches for v in _ids(b)
    ]

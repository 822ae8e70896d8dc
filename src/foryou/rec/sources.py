"""Candidate sources. Each reads the feature store in kv; none touches SQL on the hot path."""

from __future__ import annotations

from foryou.rec import features as f
from foryou.rec.features.shared import shared_rows
from foryou.rec.pipeline import Candidate, FeedContext
from foryou.stream.catalog import RECENT_KEY
from foryou.stream.features import trending_name

FRESH_POOL = 50
TRENDING_POOL = 100
PER_TAG, PER_CREATOR, PER_SEED = 25, 10, 10
TOP_TAGS, TOP_CREATORS, SEEDS = 4, 4, 5
FOLLOWEES, PER_FOLLOWEE = 30, 4  # the most recently followed


def _ids(rows: list[tuple[str, float]]) -> list[int]:
    return [int(member) for member, _ in rows]


async def _top_members(ctx: FeedContext, keys: list[str], limit: int) -> list[list[int]]:
    """The highest-scored ``limit`` members of each sorted set, in one kv round trip."""
    return [_ids(rows) for rows in await ctx.platform.kv.zrevrange_many(keys, limit=limit)]


async def _liked_most(ctx: FeedContext, affinities: str, limit: int) -> list[str]:
    """The viewer's strongest positive affinities in that decayed set."""
    top = await f.top_decayed(ctx.platform.kv, affinities, limit, ctx.now)
    return [member for member, score in top if score > 0]


async def fresh(ctx: FeedContext) -> list[Candidate]:
    kv = ctx.platform.kv

    async def newest(_: list[str]) -> list[list[tuple[int, str]]]:
        rows = await kv.zrevrange_by_score(RECENT_KEY, limit=FRESH_POOL)
        return [[(v, "new on foryou") for v in _ids(rows)]]

    [found] = await shared_rows(ctx.platform, "fresh", [""], newest)
    return [Candidate(v, "fresh", detail) for v, detail in found]


async def trending(ctx: FeedContext) -> list[Candidate]:
    """Popular in the viewer's region first (when known), then everywhere."""
    kv, now = ctx.platform.kv, ctx.now

    async def popular(regions: list[str]) -> list[list[tuple[int, str]]]:
        [region] = regions
        found = []
        if region:
            rows = await f.top_decayed(kv, trending_name(region), TRENDING_POOL // 2, now)
            found = [(v, f"popular in {region}") for v in _ids(rows)]
        rows = await f.top_decayed(kv, trending_name(None), TRENDING_POOL - len(found), now)
        return [found + [(v, "popular right now") for v in _ids(rows)]]

    [found] = await shared_rows(ctx.platform, "trending", [ctx.region or ""], popular)
    return [Candidate(v, "trending", detail) for v, detail in found]


async def following(ctx: FeedContext) -> list[Candidate]:
    if ctx.user_id is None:
        return []
    [followees] = await _top_members(ctx, [f"fo:{ctx.user_id}"], FOLLOWEES)
    batches = await _top_members(ctx, [f"cr:{a}" for a in followees], PER_FOLLOWEE)
    return [Candidate(v, "following", "from people you follow") for b in batches for v in b]


async def similar_hashtags(ctx: FeedContext) -> list[Candidate]:
    if ctx.viewer is None:
        return []
    tags = await _liked_most(ctx, f"ah:{ctx.viewer}", TOP_TAGS)
    batches = await _top_members(ctx, [f"ht:{t}" for t in tags], PER_TAG)
    return [
        Candidate(v, "similar", f"because you watch #{tag}")
        for tag, batch in zip(tags, batches, strict=True)
        for v in batch
    ]


async def liked_creators(ctx: FeedContext) -> list[Candidate]:
    if ctx.viewer is None:
        return []
    creators = await _liked_most(ctx, f"ac:{ctx.viewer}", TOP_CREATORS)
    batches = await _top_members(ctx, [f"cr:{c}" for c in creators], PER_CREATOR)
    return [Candidate(v, "similar", "from creators you watch") for b in batches for v in b]


async def co_engaged(ctx: FeedContext) -> list[Candidate]:
    """Item to item: what viewers who finished or liked your recent videos also finished."""
    if ctx.viewer is None:
        return []
    [seeds] = await _top_members(ctx, [f"uh:{ctx.viewer}"], SEEDS)
    batches = await _top_members(ctx, [f"co:{s}" for s in seeds], PER_SEED)
    return [Candidate(v, "similar", "viewers like you finished this") for b in batches for v in b]

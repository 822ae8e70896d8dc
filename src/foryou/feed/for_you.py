"""The For You endpoint's glue: run the product, hydrate the page, add prefetch hints."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence

import orjson

from foryou.domains.interactions.service import viewer_key
from foryou.domains.videos import keys
from foryou.domains.videos import service as videos
from foryou.edge.signing import media_url
from foryou.feed.cards import as_seen_by, cards
from foryou.feed.schemas import FeedItem, FeedPage, Reason
from foryou.feed.served import served_log
from foryou.gateway.tokens import Principal
from foryou.platform import Platform
from foryou.rec import features as f
from foryou.rec.pipeline import DEGRADED, FeedContext
from foryou.rec.products import FOR_YOU
from foryou.stream.features import INTEREST, region_key

log = logging.getLogger(__name__)

PREFETCH_ITEMS = 3
START_RUNG = "360"  # the lowest rung is always named 360 (foryou.media.ladder)


def prefetch_urls(platform: Platform, video_id: int) -> list[str]:
    """What a player needs to start at once: master, start rung, its init and first segment."""
    names = ("index.m3u8", "init.mp4", "seg_00000.m4s")
    return [media_url(platform.settings, keys.master(video_id))] + [
        media_url(platform.settings, keys.rung(video_id, START_RUNG, n)) for n in names
    ]


async def for_you_page(
    platform: Platform,
    *,
    principal: Principal | None,
    device_id: str | None,
    limit: int,
    request_id: str,
    region: str | None = None,
    interests: Sequence[str] = (),
) -> bytes:
    """The page as JSON (a ``FeedPage``)."""
    viewer = viewer_key(principal, device_id)
    ctx = FeedContext(
        platform,
        viewer=viewer,
        user_id=principal.user_id if principal else None,
        limit=limit,
        request_id=request_id,
        region=region,
    )
    try:
        await _cold_start(ctx, interests)
        picked = await FOR_YOU.run(ctx)
    except Exception:  # kv or the feature store is down: the newest videos, from SQL
        log.exception("the For You pipeline failed; answering with the newest videos")
        DEGRADED.labels(FOR_YOU.product, "pipeline", "error").inc()
        return await _fallback_page(platform, principal, limit, request_id)
    rendered = await cards(platform, [c.video_id for c in picked])
    shown = [c for c in picked if c.video_id in rendered]
    # Every like marks its video seen (foryou.stream.features) and the pipeline serves only
    # unseen videos, so nothing on this page is liked yet.
    liked = False if principal else None
    # The page is FeedPage's JSON, built here from the cards' JSON: FeedItem and VideoPublic
    # models for each item cost more than the rest of rendering (tests check the shape).
    items = [
        {
            "video": as_seen_by(rendered[c.video_id], liked),
            "reason": {"kind": c.source, "detail": c.detail},
            "score": round(c.score, 4),
        }
        for c in shown
    ]
    if viewer is not None:  # served once, not served again
        with contextlib.suppress(Exception):  # losing this only risks a repeat
            await f.mark_seen(platform.kv, viewer, [c.video_id for c in shown])
    served_log(platform).add(ctx, shown)
    prefetch = [
        {"video_id": str(c.video_id), "urls": prefetch_urls(platform, c.video_id)}
        for c in shown[:PREFETCH_ITEMS]
    ]
    page = {"request_id": request_id, "items": items, "prefetch": prefetch, "next_cursor": None}
    return orjson.dumps(page)


async def _cold_start(ctx: FeedContext, interests: Sequence[str]) -> None:
    """A signed-in viewer's profile region, unless the request named one; interests given on
    a first request seed a viewer who has no hashtag affinities yet."""
    kv = ctx.platform.kv
    if ctx.region is None and ctx.user_id is not None:
        raw = await kv.get(region_key(ctx.user_id))
        ctx.region = raw.decode() if raw else None
    if not interests or ctx.viewer is None:
        return
    if not await f.top_decayed(kv, f"ah:{ctx.viewer}", 1):  # a new viewer
        for tag in interests:
            await f.add_decayed(kv, f"ah:{ctx.viewer}", tag, INTEREST, ctx.now)


async def _fallback_page(
    platform: Platform, principal: Principal | None, limit: int, request_id: str
) -> bytes:
    rows = await videos.newest_public(platform, limit=limit)
    public = await videos.to_public(platform, rows, principal)
    reason = Reason(kind="fresh", detail="newest videos (recommendations are unavailable)")
    items = [FeedItem(video=v, reason=reason) for v in public]
    page = FeedPage(request_id=request_id, items=items, prefetch=[], next_cursor=None)
    return page.model_dump_json().encode()

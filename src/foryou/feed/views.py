"""Feed routes. For You is, until the recommendation engine lands, the newest published
videos from the kv catalog; Following is the newest videos of the accounts one follows."""

from __future__ import annotations

from fastapi import APIRouter, Request

from foryou.deps import CurrentUser, Cursor, Limit, MaybeUser, PlatformDep
from foryou.domains.common import Page, next_cursor, parse_cursor
from foryou.domains.interactions import follows
from foryou.domains.videos import service as videos
from foryou.domains.videos.schemas import VideoPublic
from foryou.feed.schemas import FeedItem, FeedPage, Reason
from foryou.stream import catalog

router = APIRouter(prefix="/feed", tags=["feed"])
MAX_FOLLOWEES = 2000


@router.get("", response_model=FeedPage)
async def for_you(
    request: Request,
    viewer: MaybeUser,
    platform: PlatformDep,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> FeedPage:
    before = parse_cursor(cursor)
    entries = await platform.kv.zrevrange_by_score(
        catalog.RECENT_KEY, below=float(before) if before is not None else None, limit=limit
    )
    rows = await videos.get_many(platform, [int(member) for member, _ in entries])
    public = await videos.to_public(platform, [v for v in rows if videos.can_view(v, None)], viewer)
    items = [
        FeedItem(video=v, reason=Reason(kind="fresh", detail="newest on foryou")) for v in public
    ]
    return FeedPage(
        request_id=request.state.request_id,
        items=items,
        prefetch=[],
        next_cursor=str(int(entries[-1][1])) if len(entries) == limit else None,
    )


@router.get("/following", response_model=Page[VideoPublic])
async def following(
    principal: CurrentUser, platform: PlatformDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[VideoPublic]:
    followees = await follows.all_followees(platform, principal.user_id, cap=MAX_FOLLOWEES)
    if not followees:
        return Page(items=[], next_cursor=None)
    rows = await videos.list_by_authors(
        platform, followees, limit=limit, before=parse_cursor(cursor)
    )
    items = await videos.to_public(platform, rows[:limit], principal)
    return Page(items=items, next_cursor=next_cursor([v.id for v in rows], limit))

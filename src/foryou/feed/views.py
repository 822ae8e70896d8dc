"""Feed routes: For You (the recommendation pipeline, ``foryou.rec``) and Following (the
newest videos of the accounts one follows)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from foryou.deps import CurrentUser, Cursor, DeviceId, Limit, MaybeUser, PlatformDep, RegionHint
from foryou.domains.accounts.schemas import Interest
from foryou.domains.common import Page, next_cursor, parse_cursor
from foryou.domains.interactions import follows
from foryou.domains.videos import service as videos
from foryou.domains.videos.schemas import VideoPublic
from foryou.feed.for_you import for_you_page
from foryou.feed.schemas import FeedPage

router = APIRouter(prefix="/feed", tags=["feed"])
MAX_FOLLOWEES = 2000


@router.get("", response_model=FeedPage, response_class=JSONResponse)
async def for_you(
    request: Request,
    viewer: MaybeUser,
    device_id: DeviceId,
    platform: PlatformDep,
    region: RegionHint,
    limit: Limit = 20,
    interests: Annotated[
        list[Interest],
        Query(max_length=10, description="hashtags to start a new viewer's feed with"),
    ] = [],  # noqa: B006 (FastAPI copies query defaults)
) -> Response:
    """For You: recommended videos, each with why it was shown, and what to preload next.
    Each call gives new videos (served ones are remembered per viewer or device id). A new
    viewer may name ``interests`` (repeat the parameter); ``Foryou-Region`` (or a signed-in
    viewer's profile) brings what is popular in that country."""
    page = await for_you_page(
        platform,
        principal=viewer,
        device_id=device_id,
        limit=limit,
        request_id=request.state.request_id,
        region=region,
        interests=interests,
    )
    # The page comes serialised: letting FastAPI validate it again against response_model
    # cost a tenth of the request.
    return Response(page, media_type="application/json")


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

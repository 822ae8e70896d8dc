"""Search and hashtag routes: thin wrappers over ``service``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from foryou.deps import Limit, MaybeUser, PlatformDep
from foryou.domains.accounts.schemas import UserPublic
from foryou.domains.common import Page
from foryou.domains.search import index, service
from foryou.domains.search.schemas import (
    HashtagRef,
    HashtagSummary,
    HashtagTrend,
    SearchType,
    Suggestions,
)
from foryou.domains.videos.schemas import VideoPublic

router = APIRouter(tags=["search"])


# No pattern: "has a letter" in any script is not something a JSON Schema pattern can say the
# way Python's \w does. A query without one (punctuation only) simply finds nothing.
SearchQuery = Annotated[
    str,
    Query(
        min_length=1,
        max_length=100,
        description="words, a #hashtag or an @name (1-100 characters)",
    ),
]
SearchCursor = Annotated[
    str | None,
    Query(pattern=index.CURSOR_PATTERN, description="next_cursor of the previous page"),
]
# No pattern: hashtags are letters of any script, which a JSON Schema pattern cannot say the
# way Python's \w does; a tag no caption can carry simply has no videos.
TagPath = Annotated[
    str,
    Path(min_length=1, max_length=101, description="a hashtag, with or without its '#'"),
]


@router.get(
    "/search",
    response_model=Page[VideoPublic] | Page[UserPublic] | Page[HashtagRef],
)
async def search(
    q: SearchQuery,
    viewer: MaybeUser,
    platform: PlatformDep,
    type: SearchType = "videos",
    limit: Limit = 20,
    cursor: SearchCursor = None,
) -> Page[VideoPublic] | Page[UserPublic] | Page[HashtagRef]:
    """Videos (every word in the caption or hashtags, newest first), users (by username or
    display-name prefix, most followed first) or hashtags (by prefix, most used first)."""
    if not index.words(q):
        return Page(items=[], next_cursor=None)
    if type == "users":
        return await service.search_users(platform, q=q, limit=limit, cursor=cursor)
    if type == "hashtags":
        return await service.search_hashtags(platform, q=q, limit=limit, cursor=cursor)
    return await service.search_videos(platform, q=q, viewer=viewer, limit=limit, cursor=cursor)


@router.get("/search/suggest", response_model=Suggestions)
async def suggest(q: SearchQuery, platform: PlatformDep) -> Suggestions:
    """Typeahead: users and hashtags starting with what was typed (``@`` or ``#`` first
    narrows it to one kind)."""
    if not index.words(q):
        return Suggestions(users=[], hashtags=[])
    return await service.suggest(platform, q=q)


@router.get("/hashtags/{tag}", response_model=HashtagSummary)
async def hashtag(tag: TagPath, platform: PlatformDep) -> HashtagSummary:
    return await service.hashtag(platform, tag=tag)


@router.get("/hashtags/{tag}/videos", response_model=Page[VideoPublic])
async def hashtag_videos(
    tag: TagPath,
    viewer: MaybeUser,
    platform: PlatformDep,
    limit: Limit = 20,
    cursor: SearchCursor = None,
) -> Page[VideoPublic]:
    """Public videos with the hashtag, newest first."""
    return await service.hashtag_videos(
        platform, tag=tag, viewer=viewer, limit=limit, cursor=cursor
    )


@router.get("/trending/hashtags", response_model=Page[HashtagTrend])
async def trending_hashtags(platform: PlatformDep, limit: Limit = 20) -> Page[HashtagTrend]:
    """The hashtags with the most activity now (new videos, plays, likes, shares, comments;
    half-life 12 h). One page: ``next_cursor`` is always null."""
    return await service.trending(platform, limit=limit)

"""Interaction routes: likes, comments, shares, not-interested, follows and watch events."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from foryou.deps import (
    CommentIdPath,
    CurrentUser,
    Cursor,
    DeviceId,
    Limit,
    MaybeUser,
    PlatformDep,
    RegionHint,
    UsernamePath,
    VideoIdPath,
)
from foryou.domains.accounts import service as accounts
from foryou.domains.accounts.schemas import UserPublic
from foryou.domains.common import Page, next_cursor, parse_cursor
from foryou.domains.interactions import follows, service
from foryou.domains.interactions.models import FollowIn, FollowOut
from foryou.domains.interactions.schemas import (
    Accepted,
    CommentIn,
    CommentPublic,
    EventBatch,
    ShareIn,
    ShareOut,
)
from foryou.gateway.problems import Problem, problem_responses

router = APIRouter(tags=["interactions"])
NO_CONTENT = status.HTTP_204_NO_CONTENT
_404 = problem_responses({404: "no such video"})


@router.put("/videos/{video_id}/like", status_code=NO_CONTENT, responses=_404)
async def like(video_id: VideoIdPath, principal: CurrentUser, platform: PlatformDep) -> Response:
    await service.like(platform, video_id=video_id, principal=principal)
    return Response(status_code=NO_CONTENT)


@router.delete("/videos/{video_id}/like", status_code=NO_CONTENT, responses=_404)
async def unlike(video_id: VideoIdPath, principal: CurrentUser, platform: PlatformDep) -> Response:
    await service.unlike(platform, video_id=video_id, principal=principal)
    return Response(status_code=NO_CONTENT)


@router.post(
    "/videos/{video_id}/comments",
    status_code=status.HTTP_201_CREATED,
    response_model=CommentPublic,
    responses=_404,
)
async def add_comment(
    video_id: VideoIdPath, body: CommentIn, principal: CurrentUser, platform: PlatformDep
) -> CommentPublic:
    return await service.add_comment(
        platform, video_id=video_id, principal=principal, text=body.text
    )


@router.get("/videos/{video_id}/comments", response_model=Page[CommentPublic], responses=_404)
async def list_comments(
    video_id: VideoIdPath,
    viewer: MaybeUser,
    platform: PlatformDep,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[CommentPublic]:
    items, ids = await service.list_comments(
        platform, video_id=video_id, viewer=viewer, limit=limit, before=parse_cursor(cursor)
    )
    return Page(items=items, next_cursor=next_cursor(ids, limit))


@router.delete(
    "/comments/{comment_id}",
    status_code=NO_CONTENT,
    responses=problem_responses({403: "not the author or a moderator", 404: "no such comment"}),
)
async def delete_comment(
    comment_id: CommentIdPath, principal: CurrentUser, platform: PlatformDep
) -> Response:
    await service.delete_comment(platform, comment_id=comment_id, principal=principal)
    return Response(status_code=NO_CONTENT)


@router.post(
    "/videos/{video_id}/shares",
    status_code=status.HTTP_201_CREATED,
    response_model=ShareOut,
    responses=_404,
)
async def share(
    video_id: VideoIdPath, viewer: MaybeUser, platform: PlatformDep, body: ShareIn | None = None
) -> ShareOut:
    url = await service.share(
        platform, video_id=video_id, principal=viewer, channel=body.channel if body else None
    )
    return ShareOut(url=url)


@router.post("/videos/{video_id}/not-interested", status_code=NO_CONTENT, responses=_404)
async def not_interested(
    video_id: VideoIdPath, principal: CurrentUser, platform: PlatformDep
) -> Response:
    await service.not_interested(platform, video_id=video_id, principal=principal)
    return Response(status_code=NO_CONTENT)


@router.post("/events", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted)
async def ingest_events(
    body: EventBatch,
    viewer: MaybeUser,
    device_id: DeviceId,
    region: RegionHint,
    platform: PlatformDep,
) -> Accepted:
    accepted = await service.ingest_watch(
        platform, events=body.events, principal=viewer, device_id=device_id, region=region
    )
    return Accepted(accepted=accepted)


@router.put(
    "/users/{username}/follow",
    status_code=NO_CONTENT,
    responses=problem_responses({404: "no such user", 422: "following yourself"}),
)
async def follow(username: UsernamePath, principal: CurrentUser, platform: PlatformDep) -> Response:
    target = await accounts.require_by_username(platform, username)
    if target.id == principal.user_id:
        raise Problem(422, "you cannot follow yourself", kind="self-follow")
    await follows.follow(platform, follower_id=principal.user_id, followee_id=target.id)
    return Response(status_code=NO_CONTENT)


@router.delete(
    "/users/{username}/follow",
    status_code=NO_CONTENT,
    responses=problem_responses({404: "no such user"}),
)
async def unfollow(
    username: UsernamePath, principal: CurrentUser, platform: PlatformDep
) -> Response:
    target = await accounts.require_by_username(platform, username)
    await follows.unfollow(platform, follower_id=principal.user_id, followee_id=target.id)
    return Response(status_code=NO_CONTENT)


async def _edge_page(
    platform: PlatformDep, table: follows.Edge, username: str, limit: int, cursor: str | None
) -> Page[UserPublic]:
    user = await accounts.require_by_username(platform, username)
    edges = await follows.page(platform, table, user.id, limit=limit, before=parse_cursor(cursor))
    users = await accounts.get_many(platform, [other for _, other in edges[:limit]])
    items = [accounts.to_public(users[o]) for _, o in edges[:limit] if o in users]
    return Page(items=items, next_cursor=next_cursor([e for e, _ in edges], limit))


@router.get(
    "/users/{username}/followers",
    response_model=Page[UserPublic],
    responses=problem_responses({404: "no such user"}),
)
async def followers(
    username: UsernamePath, platform: PlatformDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[UserPublic]:
    return await _edge_page(platform, FollowIn, username, limit, cursor)


@router.get(
    "/users/{username}/following",
    response_model=Page[UserPublic],
    responses=problem_responses({404: "no such user"}),
)
async def following(
    username: UsernamePath, platform: PlatformDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[UserPublic]:
    return await _edge_page(platform, FollowOut, username, limit, cursor)

"""Moderation routes: the review queue, decisions and their log (moderators and admins)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from foryou.deps import CurrentUser, Cursor, Limit, PlatformDep, VideoIdPath
from foryou.domains.common import Page, created_at, next_cursor, parse_cursor
from foryou.domains.moderation import service
from foryou.domains.moderation.schemas import DecisionIn, DecisionPublic, QueueItem
from foryou.domains.videos import service as videos
from foryou.gateway.problems import problem_responses

router = APIRouter(prefix="/moderation", tags=["moderation"])
NO_CONTENT = status.HTTP_204_NO_CONTENT
_403 = {403: "not a moderator"}


@router.get("/queue", response_model=Page[QueueItem], responses=problem_responses(_403))
async def review_queue(
    principal: CurrentUser, platform: PlatformDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[QueueItem]:
    """Videos held for review, oldest first, with the signals that flagged them."""
    service.require_moderator(principal)
    rows = await service.queue(platform, limit=limit, cursor=parse_cursor(cursor))
    page = rows[:limit]
    public = {
        v.id: v for v in await videos.to_public(platform, [row[0] for row in page], principal)
    }
    items = [
        QueueItem(video=public[video.id], signals=signals, flagged_at=created_at(flagged_id))
        for video, signals, flagged_id in page
        if video.id in public  # an author whose account is gone
    ]
    return Page(items=items, next_cursor=next_cursor([row[0].id for row in rows], limit))


@router.post(
    "/videos/{video_id}",
    status_code=NO_CONTENT,
    responses=problem_responses(
        {403: "not a moderator", 404: "no such video", 409: "not waiting for review"}
    ),
)
async def decide(
    video_id: VideoIdPath, body: DecisionIn, principal: CurrentUser, platform: PlatformDep
) -> Response:
    """Approve (publish) or reject a video held for review; takes effect at once."""
    await service.decide(
        platform,
        video_id=video_id,
        moderator=principal,
        decision=body.decision,
        reason=body.reason,
    )
    return Response(status_code=NO_CONTENT)


@router.get(
    "/videos/{video_id}/decisions",
    response_model=Page[DecisionPublic],
    responses=problem_responses({403: "not a moderator", 404: "no such video"}),
)
async def decision_log(
    video_id: VideoIdPath,
    principal: CurrentUser,
    platform: PlatformDep,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[DecisionPublic]:
    """Who flagged, approved or rejected this video, and why; oldest first."""
    service.require_moderator(principal)
    rows = await service.decisions(
        platform, video_id=video_id, limit=limit, cursor=parse_cursor(cursor)
    )
    items = [
        DecisionPublic(
            id=row.id,
            video_id=row.video_id,
            moderator_id=row.moderator_id,
            decision=row.decision,
            reason=row.reason,
            created_at=created_at(row.id),
        )
        for row in rows[:limit]
    ]
    return Page(items=items, next_cursor=next_cursor([row.id for row in rows], limit))

"""Likes, comments, shares, not-interested and watch events. No HTTP here.

Likes, comments and shares are written on the video's shard, so each touches one shard.
"""

from __future__ import annotations

import time

from sqlalchemy import delete, select

from foryou.domains.accounts import service as accounts
from foryou.domains.accounts.schemas import AuthorRef
from foryou.domains.common import created_at
from foryou.domains.interactions.models import Comment, Like, NotInterested, Share
from foryou.domains.interactions.schemas import CommentPublic, WatchEvent
from foryou.domains.videos import service as videos
from foryou.domains.videos.models import Video
from foryou.gateway.problems import Problem
from foryou.gateway.tokens import Principal
from foryou.ids import logical_shard_of, new_id
from foryou.platform import Platform
from foryou.platform.sql import IntegrityError
from foryou.stream import topics


async def like(platform: Platform, *, video_id: int, principal: Principal) -> None:
    video = await videos.require_visible(platform, video_id, principal)
    try:
        async with platform.sql.begin(platform.sql.shard_of(video_id)) as session:
            session.add(
                Like(
                    video_id=video_id, user_id=principal.user_id, created_ms=int(time.time() * 1000)
                )
            )
    except IntegrityError:
        return  # already liked: PUT is idempotent
    await _publish_like(platform, "like.added", video, principal.user_id)


async def unlike(platform: Platform, *, video_id: int, principal: Principal) -> None:
    video = await videos.require_visible(platform, video_id, principal)
    async with platform.sql.begin(platform.sql.shard_of(video_id)) as session:
        result = await session.execute(
            delete(Like).where(Like.video_id == video_id, Like.user_id == principal.user_id)
        )
    if result.rowcount:  # type: ignore[attr-defined]
        await _publish_like(platform, "like.removed", video, principal.user_id)


async def _publish_like(platform: Platform, type_: str, video: Video, user_id: int) -> None:
    await topics.publish(
        platform.events,
        topics.INTERACTIONS,
        video.id,
        type_,
        video_id=video.id,
        user_id=user_id,
        author_id=video.author_id,
    )


async def _comments_public(platform: Platform, rows: list[Comment]) -> list[CommentPublic]:
    authors = await accounts.get_many(platform, {c.author_id for c in rows})
    return [
        CommentPublic(
            id=c.id,
            video_id=c.video_id,
            text=c.text,
            created_at=created_at(c.id),
            author=AuthorRef(id=a.id, username=a.username, display_name=a.display_name),
        )
        for c in rows
        if (a := authors.get(c.author_id)) is not None
    ]


async def add_comment(
    platform: Platform, *, video_id: int, principal: Principal, text: str
) -> CommentPublic:
    await videos.require_visible(platform, video_id, principal)
    comment = Comment(
        id=new_id(logical_shard_of(video_id)),
        video_id=video_id,
        author_id=principal.user_id,
        text=text,
    )
    async with platform.sql.begin(platform.sql.shard_of(video_id)) as session:
        session.add(comment)
    await topics.publish(
        platform.events,
        topics.INTERACTIONS,
        video_id,
        "comment.added",
        video_id=video_id,
        comment_id=comment.id,
        user_id=principal.user_id,
    )
    return (await _comments_public(platform, [comment]))[0]


async def list_comments(
    platform: Platform, *, video_id: int, viewer: Principal | None, limit: int, before: int | None
) -> tuple[list[CommentPublic], list[int]]:
    """Newest first; returns the page and the ids fetched (``limit + 1`` for the cursor)."""
    await videos.require_visible(platform, video_id, viewer)
    query = select(Comment).where(Comment.video_id == video_id)
    if before is not None:
        query = query.where(Comment.id < before)
    async with platform.sql.session(platform.sql.shard_of(video_id)) as session:
        rows = list(await session.scalars(query.order_by(Comment.id.desc()).limit(limit + 1)))
    return await _comments_public(platform, rows[:limit]), [c.id for c in rows]


async def delete_comment(platform: Platform, *, comment_id: int, principal: Principal) -> None:
    async with platform.sql.begin(platform.sql.shard_of(comment_id)) as session:
        comment = await session.get(Comment, comment_id)
        if comment is None:
            raise Problem(404, f"no comment {comment_id}", kind="comment-not-found")
        if comment.author_id != principal.user_id and not principal.is_moderator:
            raise Problem(
                403, "only the comment's author or a moderator can delete it", kind="not-owner"
            )
        await session.delete(comment)
    await topics.publish(
        platform.events,
        topics.INTERACTIONS,
        comment.video_id,
        "comment.removed",
        video_id=comment.video_id,
        comment_id=comment_id,
        user_id=comment.author_id,
    )


async def share(
    platform: Platform, *, video_id: int, principal: Principal | None, channel: str | None
) -> str:
    await videos.require_visible(platform, video_id, principal)
    user_id = principal.user_id if principal else None
    async with platform.sql.begin(platform.sql.shard_of(video_id)) as session:
        session.add(
            Share(
                id=new_id(logical_shard_of(video_id)),
                video_id=video_id,
                user_id=user_id,
                channel=channel or "link",
            )
        )
    await topics.publish(
        platform.events,
        topics.INTERACTIONS,
        video_id,
        "share.added",
        video_id=video_id,
        user_id=user_id,
        channel=channel or "link",
    )
    return f"{platform.settings.public_url.rstrip('/')}/v/{video_id}"


async def not_interested(platform: Platform, *, video_id: int, principal: Principal) -> None:
    video = await videos.require_visible(platform, video_id, principal)
    try:
        async with platform.sql.begin(platform.sql.shard_of(principal.user_id)) as session:
            session.add(NotInterested(user_id=principal.user_id, video_id=video_id))
    except IntegrityError:
        return
    await topics.publish(
        platform.events,
        topics.INTERACTIONS,
        principal.user_id,
        "not_interested",
        video_id=video_id,
        user_id=principal.user_id,
        author_id=video.author_id,
    )


def viewer_key(principal: Principal | None, device_id: str | None) -> str | None:
    if principal is not None:
        return f"u:{principal.user_id}"
    return f"d:{device_id}" if device_id else None


async def ingest_watch(
    platform: Platform,
    *,
    events: list[WatchEvent],
    principal: Principal | None,
    device_id: str | None,
    region: str | None = None,
) -> int:
    """Append a client's batch to the ``watch`` topic, keyed by viewer so a session stays
    in order. No SQL on this path: counters and features consume the log."""
    viewer = viewer_key(principal, device_id)
    now_ms = int(time.time() * 1000)
    records = []
    for event in events:
        value = event.model_dump(exclude_none=True, exclude={"ts"})
        value.update(
            type=event.type,
            video_id=event.video_id,
            viewer=viewer,
            user_id=principal.user_id if principal else None,
            ts_ms=int(event.ts.timestamp() * 1000) if event.ts else now_ms,
            received_ms=now_ms,
        )
        if region:
            value["region"] = region
        records.append((viewer or str(event.video_id), value))
    await topics.append(platform.events, topics.WATCH, records)
    return len(records)

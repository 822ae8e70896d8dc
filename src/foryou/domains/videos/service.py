"""Videos: upload, read, edit, delete, list. No HTTP here."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from foryou.domains.accounts import service as accounts
from foryou.domains.accounts.models import User
from foryou.domains.accounts.schemas import AuthorRef
from foryou.domains.common import created_at
from foryou.domains.interactions.models import Comment, Like, Share
from foryou.domains.videos import hashtags, keys
from foryou.domains.videos.models import Video
from foryou.domains.videos.schemas import Counts, Playback, VideoPublic
from foryou.edge.signing import media_url
from foryou.gateway.problems import Problem
from foryou.gateway.tokens import Principal
from foryou.ids import logical_shard_of, new_id
from foryou.platform import Platform
from foryou.stream import topics

T = TypeVar("T")


def not_found(video_id: int) -> Problem:
    return Problem(
        404,
        f"no video {video_id} (it may be private, unpublished or deleted)",
        kind="video-not-found",
    )


class PublicFields(Protocol):
    """What a public view reads of a video: a ``Video``, or a row of ``_PUBLIC_ROWS``."""

    id: int
    author_id: int
    caption: str
    hashtags: list[str]
    duration_ms: int | None
    width: int | None
    height: int | None
    status: str
    status_detail: str
    progress: int
    visibility: str
    view_count: int
    like_count: int
    comment_count: int
    share_count: int
    playback: dict[str, Any] | None


def can_view(video: PublicFields, viewer: Principal | None) -> bool:
    if viewer is not None and (viewer.user_id == video.author_id or viewer.is_moderator):
        return True
    return video.status == "ready" and video.visibility == "public"


async def get(platform: Platform, video_id: int) -> Video | None:
    async with platform.sql.session(platform.sql.shard_of(video_id)) as session:
        return await session.get(Video, video_id)


async def require_visible(platform: Platform, video_id: int, viewer: Principal | None) -> Video:
    video = await get(platform, video_id)
    if video is None or not can_view(video, viewer):
        raise not_found(video_id)
    return video


async def require_visible_with_author(
    platform: Platform, video_id: int, viewer: Principal | None
) -> tuple[Video, User]:
    """A video page's rows in one query."""
    found = await get_many_with_authors(platform, [video_id])
    if not found or not can_view(found[0][0], viewer):
        raise not_found(video_id)
    return found[0]


async def get_many_with_authors(
    platform: Platform, video_ids: list[int]
) -> list[tuple[Video, User]]:
    """Videos with their authors, one query per shard: a video lives on its author's shard.
    Missing videos (or authors) are left out; the order is the shards'."""

    async def fetch(shard: int, ids: list[int]) -> list[tuple[Video, User]]:
        query = select(Video, User).join(User, User.id == Video.author_id).where(Video.id.in_(ids))
        async with platform.sql.session(shard) as session:
            return [(row[0], row[1]) for row in await session.execute(query)]

    return await _per_shard(platform, video_ids, fetch)


async def _per_shard(
    platform: Platform,
    ids: list[int],
    fetch: Callable[[int, list[int]], Awaitable[list[T]]],
) -> list[T]:
    """``fetch(shard, its ids)`` on every shard holding some of the IDs, concurrently."""
    groups = platform.sql.group_by_shard(ids)
    found = await asyncio.gather(*(fetch(shard, part) for shard, part in groups.items()))
    return [row for rows in found for row in rows]


def video_event_fields(video: Video) -> dict[str, object]:
    return {
        "video_id": video.id,
        "author_id": video.author_id,
        "status": video.status,
        "visibility": video.visibility,
        "hashtags": video.hashtags,
        "caption": video.caption,
    }


async def create(
    platform: Platform, *, author_id: int, source: Path, size: int, caption: str, visibility: str
) -> Video:
    """Store the upload and its row; on any failure neither is left behind."""
    video_id = new_id(logical_shard_of(author_id))
    source_key = keys.source(video_id)
    await platform.blobs.put_file(source_key, source)
    video = Video(
        id=video_id,
        author_id=author_id,
        caption=caption,
        hashtags=hashtags.extract(caption),
        visibility=visibility,
        status="processing",
        status_detail="waiting for processing",
        source_key=source_key,
        source_size=size,
    )
    try:
        async with platform.sql.begin(platform.sql.shard_of(video_id)) as session:
            session.add(video)
    except BaseException:
        await platform.blobs.delete_prefix(keys.prefix(video_id))
        raise
    await publish_video_event(platform, video, "video.created")
    return video


async def set_status(platform: Platform, video_id: int, status: str, detail: str = "") -> None:
    async with platform.sql.begin(platform.sql.shard_of(video_id)) as session:
        video = await session.get(Video, video_id)
        if video is None:  # deleted while processing
            return
        video.status, video.status_detail = status, detail
    await publish_video_event(platform, video, f"video.{status}")


async def update(
    platform: Platform,
    *,
    video_id: int,
    principal: Principal,
    caption: str | None,
    visibility: str | None,
) -> Video:
    async with platform.sql.begin(platform.sql.shard_of(video_id)) as session:
        video = await session.get(Video, video_id)
        if video is None or not can_view(video, principal):
            raise not_found(video_id)
        if video.author_id != principal.user_id:
            raise Problem(403, "only the video's author can edit it", kind="not-owner")
        if caption is not None:
            video.caption, video.hashtags = caption, hashtags.extract(caption)
        if visibility is not None:
            video.visibility = visibility
    await publish_video_event(platform, video, "video.updated")
    return video


async def remove(platform: Platform, *, video_id: int, principal: Principal) -> None:
    """Delete the row, its likes, comments and shares (all on its shard), then its media."""
    async with platform.sql.begin(platform.sql.shard_of(video_id)) as session:
        video = await session.get(Video, video_id)
        if video is None or not can_view(video, principal):
            raise not_found(video_id)
        if video.author_id != principal.user_id and not principal.is_moderator:
            raise Problem(
                403, "only the video's author or a moderator can delete it", kind="not-owner"
            )
        await _delete_row(session, video)
    await platform.blobs.delete_prefix(keys.prefix(video_id))
    await _publish_deleted(platform, video)


async def _delete_row(session: AsyncSession, video: Video) -> None:
    """The video and its likes, comments and shares: all on its shard, in one transaction."""
    for table in (Like, Comment, Share):
        await session.execute(delete(table).where(table.video_id == video.id))
    await session.delete(video)


async def _publish_deleted(platform: Platform, video: Video) -> None:
    await topics.publish(
        platform.events,
        topics.VIDEOS,
        video.id,
        "video.deleted",
        video_id=video.id,
        author_id=video.author_id,
        like_count=video.like_count,
    )


async def _liked(platform: Platform, user_id: int, video_ids: list[int]) -> set[int]:
    async def fetch(shard: int, ids: list[int]) -> list[int]:
        async with platform.sql.session(shard) as session:
            rows = await session.scalars(
                select(Like.video_id).where(Like.user_id == user_id, Like.video_id.in_(ids))
            )
            return list(rows)

    return set(await _per_shard(platform, video_ids, fetch))


def _playback(platform: Platform, stored: dict[str, Any]) -> Playback:
    """Playback URLs from the stored keys, signed at read time when signing is on."""
    settings = platform.settings
    return Playback(
        hls=media_url(settings, stored["hls_key"]),
        poster=media_url(settings, stored["poster_key"]),
        thumbnail=media_url(settings, stored["thumb_key"]),
        renditions=stored["renditions"],
    )


async def to_public(
    platform: Platform,
    videos: list[Video],
    viewer: Principal | None,
    authors: dict[int, User] | None = None,
) -> list[VideoPublic]:
    """Public views of videos, hydrating authors (unless given) and ``liked_by_me`` in batches."""
    if authors is None:
        authors = await accounts.get_many(platform, {v.author_id for v in videos})
    liked = await _liked(platform, viewer.user_id, [v.id for v in videos]) if viewer else set()
    return [
        _public(
            platform,
            video,
            AuthorRef(id=author.id, username=author.username, display_name=author.display_name),
            (video.id in liked) if viewer else None,
        )
        for video in videos
        if (author := authors.get(video.author_id)) is not None  # else the account is gone
    ]


# Those fields and the author's names, as plain rows: ORM objects cost more than the read.
_PUBLIC_ROWS = (
    select(
        *(Video.__table__.c[name] for name in PublicFields.__annotations__),
        User.__table__.c.username,
        User.__table__.c.display_name,
    )
    .join(User.__table__, User.__table__.c.id == Video.__table__.c.author_id)
    .where(Video.__table__.c.id.in_(bindparam("ids", expanding=True)))
)


async def public_many(
    platform: Platform, video_ids: list[int], viewer: Principal | None
) -> dict[int, VideoPublic]:
    """Public views of those videos anyone may see (the rest left out), by ID: the feed's
    and search's hot path, one ``ShardedSQL.read`` of plain rows."""
    rows = [row for row in await platform.sql.read(video_ids, _PUBLIC_ROWS) if can_view(row, None)]
    liked = await _liked(platform, viewer.user_id, [r.id for r in rows]) if viewer else set()
    return {
        row.id: _public(
            platform,
            row,
            AuthorRef(id=row.author_id, username=row.username, display_name=row.display_name),
            (row.id in liked) if viewer else None,
        )
        for row in rows
    }


def _public(
    platform: Platform, video: PublicFields, author: AuthorRef, liked_by_me: bool | None
) -> VideoPublic:
    return VideoPublic(
        id=video.id,
        author=author,
        caption=video.caption,
        hashtags=video.hashtags,
        duration_ms=video.duration_ms,
        width=video.width,
        height=video.height,
        status=video.status,  # type: ignore[arg-type]
        status_detail=video.status_detail,
        progress=max(0, min(100, video.progress)),
        visibility=video.visibility,  # type: ignore[arg-type]
        created_at=created_at(video.id),
        counts=Counts(
            views=video.view_count,
            likes=video.like_count,
            comments=video.comment_count,
            shares=video.share_count,
        ),
        playback=_playback(platform, video.playback) if video.playback else None,
        liked_by_me=liked_by_me,
    )


async def get_many(platform: Platform, video_ids: list[int]) -> list[Video]:
    """Videos in the order asked, skipping missing ones; one query per shard."""

    async def fetch(shard: int, ids: list[int]) -> list[Video]:
        async with platform.sql.session(shard) as session:
            return list(await session.scalars(select(Video).where(Video.id.in_(ids))))

    by_id = {v.id: v for v in await _per_shard(platform, video_ids, fetch)}
    return [by_id[i] for i in video_ids if i in by_id]


async def list_by_authors(
    platform: Platform,
    author_ids: list[int],
    *,
    limit: int,
    before: int | None,
    include_unpublished: bool = False,
) -> list[Video]:
    """Newest first across the authors' shards; ``limit + 1`` rows to detect a next page."""

    async def fetch(shard: int, ids: list[int]) -> list[Video]:
        query = select(Video).where(Video.author_id.in_(ids))
        if not include_unpublished:
            query = query.where(Video.status == "ready", Video.visibility == "public")
        if before is not None:
            query = query.where(Video.id < before)
        async with platform.sql.session(shard) as session:
            return list(await session.scalars(query.order_by(Video.id.desc()).limit(limit + 1)))

    merged = sorted(await _per_shard(platform, author_ids, fetch), key=lambda v: v.id, reverse=True)
    return merged[: limit + 1]


# --- resumable uploads (foryou.domains.videos.uploads) -----------------------------------


async def create_uploading(
    platform: Platform,
    *,
    video_id: int,
    author_id: int,
    caption: str,
    visibility: str,
    length: int,
    detail: str,
) -> Video:
    """The row of a resumable upload, ``uploading`` until its last byte arrives."""
    video = Video(
        id=video_id,
        author_id=author_id,
        caption=caption,
        hashtags=hashtags.extract(caption),
        visibility=visibility,
        status="uploading",
        status_detail=detail,
        upload_length=length,
        upload_offset=0,
    )
    async with platform.sql.begin(platform.sql.shard_of(video_id)) as session:
        session.add(video)
    await publish_video_event(platform, video, "video.created")
    return video


async def attach_source(platform: Platform, video_id: int, *, source_key: str) -> bool:
    """A finished upload's source is stored: ``uploading → processing``. False if the upload
    is gone or no longer ``uploading``."""
    async with platform.sql.begin(platform.sql.shard_of(video_id)) as session:
        video = await session.get(Video, video_id, with_for_update=True)
        if video is None or video.status != "uploading":
            return False
        video.status, video.status_detail = "processing", "waiting for processing"
        video.source_key = source_key
        video.source_size = video.upload_offset = video.upload_length or 0
    await publish_video_event(platform, video, "video.processing")
    return True


async def delete_uploading(platform: Platform, video_id: int) -> bool:
    """Delete a video that is still ``uploading`` (termination, expiry); False if it is not."""
    async with platform.sql.begin(platform.sql.shard_of(video_id)) as session:
        video = await session.get(Video, video_id, with_for_update=True)
        if video is None or video.status != "uploading":
            return False
        await _delete_row(session, video)
    await _publish_deleted(platform, video)
    return True


async def publish_video_event(platform: Platform, video: Video, type_: str) -> None:
    await topics.publish(
        platform.events, topics.VIDEOS, video.id, type_, **video_event_fields(video)
    )


async def newest_public(platform: Platform, *, limit: int) -> list[Video]:
    """The newest published videos over every shard: the feed's fallback when kv is down."""

    async def fetch(shard: int) -> list[Video]:
        query = (
            select(Video)
            .where(Video.status == "ready", Video.visibility == "public")
            .order_by(Video.id.desc())
            .limit(limit)
        )
        async with platform.sql.session(shard) as session:
            return list(await session.scalars(query))

    rows = await asyncio.gather(*(fetch(s) for s in range(platform.sql.shard_count)))
    return sorted((v for chunk in rows for v in chunk), key=lambda v: -v.id)[:limit]

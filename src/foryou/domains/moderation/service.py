"""Moderation: hold flagged videos for review, the review queue, decisions, the blocklist.

Decisions live on the video's shard, written in the same transaction as the video's new
state; the perceptual-hash blocklist lives on shard 0. No HTTP here.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from foryou.domains.moderation.models import BLOCKLIST_SHARD, BlockedHash, ModerationDecision
from foryou.domains.videos import service as videos
from foryou.domains.videos.models import Video
from foryou.gateway.problems import Problem
from foryou.gateway.tokens import Principal
from foryou.ids import logical_shard_of, new_id
from foryou.platform import Platform

HELD = "held for review"
MAX_REASON = 500
MAX_DETAIL = 300  # videos.status_detail
MAX_HASH = 32  # videos.phash, blocked_hashes.phash


def require_moderator(principal: Principal) -> None:
    if not principal.is_moderator:
        raise Problem(403, "only moderators and admins can do this", kind="not-moderator")


def summary(signals: list[dict[str, Any]]) -> str:
    """What flagged a video, in words: ``nudity: FEMALE_BREAST_EXPOSED 0.91 (frame 2); ...``."""
    parts: list[str] = []
    for signal in signals:
        kind = str(signal.get("kind", "signal"))
        what = signal.get("label") or signal.get("word") or signal.get("detail") or ""
        text = f"{kind}: {what}".rstrip(": ")
        if isinstance(signal.get("score"), int | float):
            text += f" {signal['score']}"
        if isinstance(signal.get("frame"), int):
            text += f" (frame {signal['frame']})"
        if text not in parts:
            parts.append(text)
    return "; ".join(parts)[:MAX_REASON] or "flagged"


def _decision(
    video_id: int, moderator_id: int | None, decision: str, reason: str
) -> ModerationDecision:
    return ModerationDecision(
        id=new_id(logical_shard_of(video_id)),
        video_id=video_id,
        moderator_id=moderator_id,
        decision=decision,
        reason=reason[:MAX_REASON],
    )


async def flag(
    platform: Platform,
    *,
    video_id: int,
    signals: list[dict[str, Any]],
    phash: str | None = None,
) -> None:
    """Hold a video for review: not public until a moderator approves it. A video already
    decided, rejected or failed stays as it is (a retried screening does not hold it again);
    one already pending gets the new signals without a second log entry. ``phash``, when
    given, is stored at once, so a rejection can block the clip even before it is playable."""
    async with platform.sql.begin(platform.sql.shard_of(video_id)) as session:
        video = await session.get(Video, video_id)
        if video is None or video.review in ("approved", "rejected"):
            return  # deleted meanwhile, or a moderator has already decided
        if video.status in ("rejected", "failed"):
            return  # never public anyway: holding it would revive it as "processing"
        if video.review != "pending":
            session.add(_decision(video_id, None, "flagged", summary(signals)))
        video.review, video.moderation_signals = "pending", list(signals)
        video.status, video.status_detail = "processing", HELD
        if phash and len(phash) <= MAX_HASH:
            video.phash = phash
    await videos.publish_video_event(platform, video, "video.flagged")


async def blocked_hashes(platform: Platform) -> list[str]:
    async with platform.sql.session(BLOCKLIST_SHARD) as session:
        return list(await session.scalars(select(BlockedHash.phash)))


async def block_hash(platform: Platform, *, phash: str, video_id: int, reason: str) -> None:
    """Add a perceptual hash to the blocklist; adding one already there changes nothing."""
    if not phash or len(phash) > MAX_HASH:
        raise ValueError(f"a perceptual hash is 1 to {MAX_HASH} characters, not {len(phash)}")
    try:
        async with platform.sql.begin(BLOCKLIST_SHARD) as session:
            if await session.get(BlockedHash, phash) is None:
                session.add(BlockedHash(phash=phash, video_id=video_id, reason=reason[:MAX_REASON]))
    except IntegrityError:
        pass  # a concurrent call added it first


async def queue(
    platform: Platform, *, limit: int, cursor: int | None
) -> list[tuple[Video, list[dict[str, Any]], int]]:
    """Pending videos oldest first, after the video ID ``cursor``: ``(video, signals,
    flagged decision ID)``, ``limit + 1`` rows to detect a next page. Fans out to every shard
    (a moderator tool, not a hot path)."""

    async def fetch(shard: int) -> list[tuple[Video, int]]:
        query = select(Video).where(Video.review == "pending")
        if cursor is not None:
            query = query.where(Video.id > cursor)
        async with platform.sql.session(shard) as session:
            rows = list(await session.scalars(query.order_by(Video.id).limit(limit + 1)))
            if not rows:
                return []
            flagged = await session.execute(
                select(ModerationDecision.video_id, ModerationDecision.id).where(
                    ModerationDecision.video_id.in_([v.id for v in rows]),
                    ModerationDecision.decision == "flagged",
                )
            )
            latest: dict[int, int] = {}
            for vid, decision_id in flagged:
                latest[vid] = max(latest.get(vid, 0), decision_id)
        return [(v, latest.get(v.id, v.id)) for v in rows]

    found = await asyncio.gather(*(fetch(s) for s in range(platform.sql.shard_count)))
    merged = sorted((row for rows in found for row in rows), key=lambda row: row[0].id)
    return [(v, list(v.moderation_signals or []), at) for v, at in merged[: limit + 1]]


def _after(video: Video, review: str, reason: str) -> tuple[str, str]:
    """The status and detail a decision leaves: approved and playable is ready; approved and
    still processing is left to the pipeline; rejected is rejected (failed stays failed)."""
    if review == "rejected":
        return ("failed" if video.status == "failed" else "rejected"), reason[:MAX_DETAIL]
    if video.status == "processing" and video.playback:
        return "ready", ""
    detail = video.status_detail
    return video.status, ("approved; finishing processing" if detail == HELD else detail)


async def decide(
    platform: Platform,
    *,
    video_id: int,
    moderator: Principal,
    decision: Literal["approve", "reject"],
    reason: str,
) -> None:
    """Approve or reject a pending video, at once: the decision and the video's new state
    commit together. A rejected clip's perceptual hash joins the blocklist."""
    require_moderator(moderator)
    review = "approved" if decision == "approve" else "rejected"
    async with platform.sql.begin(platform.sql.shard_of(video_id)) as session:
        # Claim first: the conditional update locks the row, so two moderators cannot both
        # win, and the pipeline cannot add playback between the read below and our write.
        changed = await session.execute(
            update(Video)
            .where(Video.id == video_id, Video.review == "pending")
            .values(review=review)
            .execution_options(synchronize_session=False)
        )
        video = await session.get(Video, video_id, populate_existing=True)
        if video is None:
            raise videos.not_found(video_id)
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            raise Problem(
                409,
                f"video {video_id} is not waiting for review (review: {video.review or 'none'})",
                kind="not-pending",
            )
        video.status, video.status_detail = _after(video, review, reason)
        session.add(_decision(video_id, moderator.user_id, review, reason))
    event = video.status if video.status in ("ready", "rejected") else review
    await videos.publish_video_event(platform, video, f"video.{event}")
    if review == "rejected" and video.phash:
        await block_hash(platform, phash=video.phash, video_id=video_id, reason=reason)


async def decisions(
    platform: Platform, *, video_id: int, limit: int, cursor: int | None
) -> list[ModerationDecision]:
    """A video's decision log, oldest first, ``limit + 1`` rows; 404 when the video is
    unknown and has no log (a deleted video's log stays readable)."""
    query = select(ModerationDecision).where(ModerationDecision.video_id == video_id)
    if cursor is not None:
        query = query.where(ModerationDecision.id > cursor)
    async with platform.sql.session(platform.sql.shard_of(video_id)) as session:
        rows = list(await session.scalars(query.order_by(ModerationDecision.id).limit(limit + 1)))
        if not rows and cursor is None and await session.get(Video, video_id) is None:
            raise videos.not_found(video_id)
    return rows

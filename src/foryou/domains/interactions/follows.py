"""Follows: the out-edge on the follower's shard, the in-edge on the followee's.

A follow touches exactly those two shards. The out-edge is written first and is the source of
truth for "does A follow B"; if the in-edge write fails, the out-edge is taken back, and a
repeated PUT repairs any half-written pair because both inserts are idempotent.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from foryou.domains.interactions.models import FollowIn, FollowOut
from foryou.ids import logical_shard_of, new_id
from foryou.platform import Platform
from foryou.platform.sql import IntegrityError
from foryou.stream import topics

Edge = type[FollowOut] | type[FollowIn]


async def _insert(
    platform: Platform, table: Edge, user_id: int, other_id: int, edge_id: int
) -> bool:
    """Insert the edge; False if it was already there."""
    try:
        async with platform.sql.begin(platform.sql.shard_of(user_id)) as session:
            session.add(table(user_id=user_id, other_id=other_id, edge_id=edge_id))
    except IntegrityError:
        return False
    return True


async def _delete(platform: Platform, table: Edge, user_id: int, other_id: int) -> bool:
    async with platform.sql.begin(platform.sql.shard_of(user_id)) as session:
        result = await session.execute(
            delete(table).where(table.user_id == user_id, table.other_id == other_id)
        )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def follow(platform: Platform, *, follower_id: int, followee_id: int) -> None:
    edge_id = new_id(logical_shard_of(follower_id))
    created = await _insert(platform, FollowOut, follower_id, followee_id, edge_id)
    try:
        await _insert(platform, FollowIn, followee_id, follower_id, edge_id)
    except BaseException:
        if created:
            await _delete(platform, FollowOut, follower_id, followee_id)
        raise
    if created:
        await topics.publish(
            platform.events,
            topics.INTERACTIONS,
            follower_id,
            "follow.added",
            follower_id=follower_id,
            followee_id=followee_id,
        )


async def unfollow(platform: Platform, *, follower_id: int, followee_id: int) -> None:
    removed = await _delete(platform, FollowOut, follower_id, followee_id)
    await _delete(platform, FollowIn, followee_id, follower_id)
    if removed:
        await topics.publish(
            platform.events,
            topics.INTERACTIONS,
            follower_id,
            "follow.removed",
            follower_id=follower_id,
            followee_id=followee_id,
        )


async def is_following(platform: Platform, follower_id: int, followee_id: int) -> bool:
    async with platform.sql.session(platform.sql.shard_of(follower_id)) as session:
        found = await session.scalar(
            select(FollowOut.edge_id).where(
                FollowOut.user_id == follower_id, FollowOut.other_id == followee_id
            )
        )
    return found is not None


async def page(
    platform: Platform, table: Edge, user_id: int, *, limit: int, before: int | None
) -> list[tuple[int, int]]:
    """``(edge_id, other_id)`` newest first, ``limit + 1`` rows; one shard."""
    query = select(table.edge_id, table.other_id).where(table.user_id == user_id)
    if before is not None:
        query = query.where(table.edge_id < before)
    async with platform.sql.session(platform.sql.shard_of(user_id)) as session:
        rows = await session.execute(query.order_by(table.edge_id.desc()).limit(limit + 1))
    return [(edge, other) for edge, other in rows]


async def all_followees(platform: Platform, user_id: int, *, cap: int) -> list[int]:
    async with platform.sql.session(platform.sql.shard_of(user_id)) as session:
        rows = await session.scalars(
            select(FollowOut.other_id)
            .where(FollowOut.user_id == user_id)
            .order_by(FollowOut.edge_id.desc())
            .limit(cap)
        )
    return list(rows)

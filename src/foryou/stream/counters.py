"""Counters on users and videos, kept by consuming the event log.

Exactly-once in effect: each shard records, in the same transaction as its counter updates,
the highest offset it has applied per topic partition, and skips anything at or below it. So
a redelivered batch, or a replay of the whole log, does not count twice.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select, update

from foryou.domains.accounts.models import User
from foryou.domains.videos.models import Video
from foryou.platform import Platform
from foryou.platform.events import Event
from foryou.stream import topics
from foryou.stream.models import AppliedOffset
from foryou.stream.runner import Processor

NAME = "counters"
Delta = tuple[type[User] | type[Video], int, str, int]  # (table, row id, column, amount)


def deltas(event: Event) -> list[Delta]:
    v: dict[str, Any] = event.value
    kind = v.get("type")
    sign = -1 if kind in ("like.removed", "comment.removed", "follow.removed") else 1
    if event.topic == topics.WATCH:
        return [(Video, int(v["video_id"]), "view_count", 1)] if kind == "watch" else []
    if kind in ("like.added", "like.removed"):
        return [
            (Video, v["video_id"], "like_count", sign),
            (User, v["author_id"], "like_count", sign),
        ]
    if kind in ("comment.added", "comment.removed"):
        return [(Video, v["video_id"], "comment_count", sign)]
    if kind == "share.added":
        return [(Video, v["video_id"], "share_count", 1)]
    if kind in ("follow.added", "follow.removed"):
        return [
            (User, v["follower_id"], "following_count", sign),
            (User, v["followee_id"], "follower_count", sign),
        ]
    if kind == "video.created":
        return [(User, v["author_id"], "video_count", 1)]
    if kind == "video.deleted":
        return [
            (User, v["author_id"], "video_count", -1),
            (User, v["author_id"], "like_count", -int(v.get("like_count", 0))),
        ]
    return []


async def _apply_shard(
    platform: Platform, shard: int, items: list[tuple[Event, list[Delta]]]
) -> None:
    async with platform.sql.begin(shard) as session:
        marks = {
            (m.topic, m.partition): m
            for m in await session.scalars(
                select(AppliedOffset).where(AppliedOffset.consumer == NAME)
            )
        }
        totals: dict[tuple[Any, int, str], int] = defaultdict(int)
        for event, event_deltas in items:
            mark = marks.get((event.topic, event.partition))
            if mark is not None and event.offset <= mark.offset:
                continue  # this shard already holds this event's effect
            for table, row_id, column, amount in event_deltas:
                totals[(table, row_id, column)] += amount
            if mark is None:
                mark = AppliedOffset(
                    consumer=NAME, topic=event.topic, partition=event.partition, offset=event.offset
                )
                session.add(mark)
                marks[(event.topic, event.partition)] = mark
            mark.offset = max(mark.offset, event.offset)
        for (table, row_id, column), amount in totals.items():
            if amount:
                column_attr = getattr(table, column)
                await session.execute(
                    update(table).where(table.id == row_id).values({column: column_attr + amount})
                )


async def apply(platform: Platform, events: list[Event]) -> None:
    by_shard: dict[int, list[tuple[Event, list[Delta]]]] = defaultdict(list)
    for event in events:
        per_shard: dict[int, list[Delta]] = defaultdict(list)
        for delta in deltas(event):
            per_shard[platform.sql.shard_of(delta[1])].append(delta)
        for shard, shard_deltas in per_shard.items():
            by_shard[shard].append((event, shard_deltas))
    for shard, items in by_shard.items():
        await _apply_shard(platform, shard, items)


def processor(platform: Platform) -> Processor:
    async def handle(events: list[Event]) -> None:
        await apply(platform, events)

    return Processor(NAME, (topics.VIDEOS, topics.INTERACTIONS, topics.WATCH), handle)

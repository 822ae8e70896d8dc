"""Feed pages' video rows with their authors, cached in this process for a few seconds.

A feed page names ten videos that thousands of other pages also name (trending, fresh), so
reading them from SQL on every request costs more than the whole pipeline. A cached row may
lag by ``CARD_TTL_S`` in its counts and caption; whether a video may be shown at all is not
taken from here but from the feature store, which the pipeline reads fresh on every request.
"""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select

from foryou.domains.accounts.models import User
from foryou.domains.videos.models import Video
from foryou.platform import Platform

CARD_TTL_S = 30.0
CARD_CACHE_MAX = 50_000

Card = tuple[Video, User]


def _cache(platform: Platform) -> dict[int, tuple[float, Card]]:
    cache: dict[int, tuple[float, Card]] = platform.local.setdefault("feed_cards", {})
    return cache


async def cards(platform: Platform, video_ids: list[int]) -> dict[int, Card]:
    """The rows for these videos (missing ones left out), one query per shard for misses."""
    cache, now = _cache(platform), time.monotonic()
    found = {v: hit[1] for v in video_ids if (hit := cache.get(v)) and hit[0] > now}
    missing = [v for v in video_ids if v not in found]

    async def fetch(shard: int, ids: list[int]) -> list[Card]:
        # a video lives on its author's shard, so one join answers both
        query = select(Video, User).join(User, User.id == Video.author_id).where(Video.id.in_(ids))
        async with platform.sql.session(shard) as session:
            return [(row[0], row[1]) for row in await session.execute(query)]

    groups = platform.sql.group_by_shard(missing)
    for rows in await asyncio.gather(*(fetch(s, ids) for s, ids in groups.items())):
        for video, author in rows:
            found[video.id] = (video, author)
            cache[video.id] = (now + CARD_TTL_S, (video, author))
    while len(cache) > CARD_CACHE_MAX:  # oldest insertions first
        del cache[next(iter(cache))]
    return found

"""A dataset replayed into a platform through the production path, for ``foryou eval``.

Each item becomes a ready public video (its title as the caption, its categories as
hashtags; one creator per item, since the datasets name none) published before the first
interaction and at least ``CATALOG_AGE_DAYS`` before the replay, as a catalog that was there
before the interactions, stored as a row on its shard and announced on the videos topic as
the media pipeline announces it. Each training interaction becomes a finished watch by
``u:<user_id>``, appended in time order through the same ingest call as
``POST /api/v1/events``, carrying the dataset's time moved so that the training
interactions end now (``Catalog.shift_s``), as a client's queued watches carry theirs: the
decayed features then see the dataset's recent past as recent. A dataset without times
(``ts`` 0) arrives all at once. The stream processors then apply the log as
``foryou serve`` does: feature store, catalog, caption vectors, lake.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow.parquet as pq

from foryou import stream
from foryou.domains.interactions.schemas import WatchEvent
from foryou.domains.interactions.service import ingest_watch
from foryou.domains.videos import hashtags, keys
from foryou.domains.videos.models import Video
from foryou.domains.videos.service import video_event_fields
from foryou.gateway.tokens import Principal
from foryou.ids import LOGICAL_SHARDS, id_at, logical_shard_of, new_id
from foryou.platform import Platform
from foryou.rec.ml.data import Interactions
from foryou.stream import topics
from foryou.stream.runner import drain

DURATION_MS = 15_000  # every replayed video's length; each interaction is a finished watch
CATALOG_AGE_DAYS = 30
WINDOW = 1_000  # interactions appended together (per viewer inside, in order)
Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class Catalog:
    video_of: dict[int, int]  # dataset item id -> video id
    item_of: dict[int, int]  # video id -> dataset item id
    shift_s: float  # added to a dataset time to give the replayed event's


def captions(folder: Path) -> dict[int, str]:
    """Item id -> caption from ``items.parquet`` (title, then categories as hashtags)."""
    path = folder / "items.parquet"
    if not path.is_file():
        return {}
    table = pq.read_table(path).to_pydict()
    titles = table.get("title") or table.get("caption") or [""] * len(table["item_id"])
    tags = table.get("categories") or [[] for _ in table["item_id"]]
    return {
        int(item): " ".join([str(title or ""), *(_hashtag(t) for t in item_tags or [])]).strip()
        for item, title, item_tags in zip(table["item_id"], titles, tags, strict=True)
    }


def _hashtag(category: str) -> str:
    return "#" + re.sub(r"\W+", "", category.lower())


async def publish_catalog(
    platform: Platform, items: list[int], texts: dict[int, str], times: npt.NDArray[np.int64]
) -> Catalog:
    """Every item as a ready public video, for interactions at dataset ``times`` (seconds)."""
    rng = np.random.default_rng(0)
    now = time.time()
    first, last = (float(times.min()), float(times.max())) if len(times) else (0.0, 0.0)
    shift_s = now - last
    first_s = first + shift_s
    published_ms = int(min(now - CATALOG_AGE_DAYS * 86_400, first_s - 86_400) * 1000)
    videos = []
    for n, item in enumerate(items):
        author_id = new_id(int(rng.integers(LOGICAL_SHARDS)))
        video_id = id_at(published_ms + n, logical_shard_of(author_id))
        caption = texts.get(item, "")
        videos.append(
            Video(
                id=video_id,
                author_id=author_id,
                caption=caption,
                hashtags=hashtags.extract(caption),
                visibility="public",
                status="ready",
                source_key=keys.source(video_id),
                duration_ms=DURATION_MS,
                progress=100,
            )
        )
    by_shard: dict[int, list[Video]] = {}
    for video in videos:
        by_shard.setdefault(platform.sql.shard_of(video.id), []).append(video)
    for shard, rows in by_shard.items():
        async with platform.sql.begin(shard) as session:
            session.add_all(rows)
    records = [
        (str(v.id), topics.make_event("video.ready", 0, **video_event_fields(v))) for v in videos
    ]
    await topics.append(platform.events, topics.VIDEOS, records)
    video_of = {item: v.id for item, v in zip(items, videos, strict=True)}
    return Catalog(video_of, {v: item for item, v in video_of.items()}, shift_s)


def replay_order(interactions: Interactions) -> np.ndarray:
    """Oldest first; at equal times (a dataset without them has ts 0 throughout) viewers take
    turns, each in their own file order, as concurrent viewers would: so the latest window
    of the replay holds everyone's latest, not the last viewers in the file."""
    by_user = np.argsort(interactions.users, kind="stable")
    users = interactions.users[by_user]
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
    turn = np.empty(len(users), dtype=np.int64)
    turn[by_user] = np.arange(len(users)) - np.repeat(starts, np.diff(np.r_[starts, len(users)]))
    return np.lexsort((interactions.users, turn, interactions.ts))


async def replay(
    platform: Platform,
    interactions: Interactions,
    catalog: Catalog,
    progress: Progress | None = None,
) -> None:
    """Append the interactions as finished watches in time order (``replay_order``), each at
    its dataset time plus ``catalog.shift_s`` (the platform counts none later than it arrives)."""
    order = replay_order(interactions)
    users, items = interactions.users[order].tolist(), interactions.items[order].tolist()
    times = (interactions.ts[order] + catalog.shift_s).tolist()
    for start in range(0, len(order), WINDOW):
        by_viewer: dict[int, list[WatchEvent]] = {}
        for user, item, at in zip(
            users[start : start + WINDOW],
            items[start : start + WINDOW],
            times[start : start + WINDOW],
            strict=True,
        ):
            by_viewer.setdefault(user, []).append(
                WatchEvent.model_construct(  # trusted values: no request-shape checks
                    type="watch",
                    video_id=catalog.video_of[item],
                    watched_ms=DURATION_MS,
                    duration_ms=DURATION_MS,
                    completed=True,
                    ts=datetime.fromtimestamp(at, UTC),
                )
            )
        for user, events in by_viewer.items():
            principal = Principal(user_id=user, role="user")
            await ingest_watch(platform, events=events, principal=principal, device_id=None)
        if progress:
            progress(min(start + WINDOW, len(order)), len(order))


async def apply_log(platform: Platform) -> int:
    """Run every stream processor over what the log holds now; the events each applied."""
    return sum([await drain(platform.events, p) for p in stream.processors(platform)])

"""Keeps the online feature store (``foryou.rec.features``) current from the event log.

Per video: decayed impressions, plays, completions, watch time, likes, shares, comments, and
its metadata (creator, hashtags, published or not). Per viewer (``u:<id>`` or ``d:<device>``):
the seen filter, recent positives, decayed creator and hashtag affinities, not-interested.
Per user: region and followees; interests given at signup seed the hashtag affinities.
Per video pair: co-engagement (finished or liked by the same viewer). Trending: decayed
engagement over everyone, and per region (the event's, else the user's profile region).
Indexes of published videos by creator and by hashtag feed the sources. Per-partition
watermarks (``foryou.stream.watermarks``) skip records already applied, so a replay of the
log changes nothing.
"""

from __future__ import annotations

import functools
import time
from typing import Any, NamedTuple

import orjson

from foryou.ids import timestamp_ms_of
from foryou.platform import Platform
from foryou.platform.events import Event
from foryou.platform.kv import KV
from foryou.rec import features as f
from foryou.stream import topics
from foryou.stream.catalog import recency_score
from foryou.stream.runner import Processor
from foryou.stream.watermarks import Handler, apply_new

NAME = "features"
COMPLETE_RATIO = 0.9
SKIP_RATIO = 0.25
CO_ENGAGEMENT_LOOKBACK = 5
CO_ENGAGEMENT_CAP = 100  # partners kept per video, the strongest
FOLLOWEES_CAP = 200  # the most recent follows feed the following source
INDEX_CAP = 2000
# Affinity changes by what the viewer did
AFFINITY = {"complete": 1.0, "like": 2.0, "share": 3.0, "follow": 5.0, "skip": -0.6, "nope": -10.0}
TRENDING = {"play": 0.2, "complete": 1.0, "like": 2.0, "share": 3.0, "comment": 1.5}
INTEREST = 3.0  # a signup interest counts like a few finished videos with that hashtag


def watch_ratio(v: dict[str, Any]) -> float:
    """How much of the video a watch event covered (0 when its length is unknown)."""
    duration = v.get("duration_ms") or 0
    return (v.get("watched_ms") or 0) / duration if duration else 0.0


def finished(v: dict[str, Any]) -> bool:
    """A watch that counts as a completion: the feature store's and the trainers' positive."""
    return bool(v.get("completed")) or watch_ratio(v) >= COMPLETE_RATIO


def event_time(v: dict[str, Any], wall: float) -> float:
    """When the event happened, in seconds: the time a client gave (a queued watch sent on
    reconnect happened earlier), else when the server minted it; never after it arrived or
    after ``wall``. Decayed features count by it, so a consumer catching up on a backlog, or a
    replay of history, ages events as they aged, not as they were read."""
    times = [t for t in (v.get("ts_ms"), v.get("received_ms")) if isinstance(t, int) and t > 0]
    return min([*(t / 1000 for t in times), wall])


def region_key(user_id: int | str) -> str:
    return f"ur:{user_id}"


def trending_name(region: str | None) -> str:
    return f"trending:{region}" if region else "trending"


def meta_key(video_id: int | str) -> str:
    return f"vm:{video_id}"


class VideoMeta(NamedTuple):
    """What the feed knows of a published video (stored as JSON under ``meta_key``). Serving
    keeps many alive (up to 100,000 in the decode cache, a second's worth in the shared rows):
    each is one object the garbage collector tracks (its hashtags, a plain tuple of strings,
    stop being tracked after one collection), where the dict and its list were two."""

    author_id: int
    hashtags: tuple[str, ...]
    created_ms: int


@functools.lru_cache(maxsize=100_000)
def _decode_meta(raw: bytes) -> VideoMeta:
    """Keyed by the stored bytes, so a cached answer can never be stale."""
    meta = orjson.loads(raw)
    return VideoMeta(int(meta["author_id"]), tuple(meta["hashtags"]), int(meta["created_ms"]))


async def video_meta(platform: Platform, video_ids: list[int]) -> list[VideoMeta | None]:
    raw = await platform.kv.mget([meta_key(v) for v in video_ids])
    return [_decode_meta(r) if r else None for r in raw]


class EventClock:
    """A batch's clock: ``now`` is the time of the event being applied (``event_time``), so
    decayed counters count each event as of when it happened."""

    def __init__(self, kv: KV) -> None:
        self.kv = kv
        self.wall = time.time()
        self.now = self.wall

    def timed(self, handlers: dict[str, Handler]) -> dict[str, Handler]:
        """The handlers, each setting ``now`` to its event's time first."""

        def clocked(handler: Handler) -> Handler:
            async def run(v: dict[str, Any]) -> None:
                self.now = event_time(v, self.wall)
                await handler(v)

            return run

        return {topic: clocked(handler) for topic, handler in handlers.items()}

    async def decay(self, name: str, member: str | int, amount: float) -> None:
        if not f.counted(self.now, self.wall):  # a day key no read adds
            return
        await f.add_decayed(self.kv, name, str(member), amount, self.now)


class _Batch(EventClock):
    def __init__(self, platform: Platform) -> None:
        super().__init__(platform.kv)
        self.platform = platform
        self._positives = 0  # so far in this batch: orders the history within it
        self._meta: dict[int, VideoMeta | None] = {}
        self._regions: dict[int, str | None] = {}

    async def prefetch(self, video_ids: set[int]) -> None:
        """One round trip for the metadata of every video the batch touches."""
        ordered = sorted(video_ids)
        self._meta.update(zip(ordered, await video_meta(self.platform, ordered), strict=True))

    async def meta(self, video_id: int) -> VideoMeta | None:
        if video_id not in self._meta:
            self._meta[video_id] = (await video_meta(self.platform, [video_id]))[0]
        return self._meta[video_id]

    async def region(self, v: dict[str, Any]) -> str | None:
        """Where the event happened: its own hint, else the user's profile region."""
        if v.get("region"):
            return str(v["region"])
        if not v.get("user_id"):
            return None
        user = int(v["user_id"])
        if user not in self._regions:
            raw = await self.kv.get(region_key(user))
            self._regions[user] = raw.decode() if raw else None
        return self._regions[user]

    async def trend(self, v: dict[str, Any], video_id: int | str, action: str) -> None:
        region = await self.region(v)
        for name in {trending_name(None), trending_name(region)}:
            await self.decay(name, video_id, TRENDING[action])

    async def affinity(self, viewer: str, video_id: int, action: str) -> None:
        meta = await self.meta(video_id)
        if meta is None:
            return
        weight = AFFINITY[action]
        await self.decay(f"ac:{viewer}", meta.author_id, weight)
        for tag in meta.hashtags:
            await self.decay(f"ah:{viewer}", tag, weight / 2)

    async def positive(self, v: dict[str, Any], viewer: str, video_id: int, action: str) -> None:
        await self.affinity(viewer, video_id, action)
        await self.trend(v, video_id, action)
        history = f"uh:{viewer}"
        recent = await self.kv.zrevrange_by_score(history, limit=CO_ENGAGEMENT_LOOKBACK)
        for other, _ in recent:
            if other != str(video_id):
                for key, partner in ((f"co:{other}", str(video_id)), (f"co:{video_id}", other)):
                    await self.kv.zincrby(key, partner, 1.0)
                    await self.kv.ztrim(key, CO_ENGAGEMENT_CAP)
        # Events may share a timestamp; a microsecond per positive keeps the history in log
        # order within the batch, so "the latest N" are the latest, not the lowest video ids.
        self._positives += 1
        await self.kv.zadd(history, {str(video_id): self.now + self._positives * 1e-6})
        await self.kv.ztrim(history, f.HISTORY_CAP)

    async def video(self, v: dict[str, Any]) -> None:
        video_id = int(v["video_id"])
        published = (
            v["type"] != "video.deleted"
            and v.get("status") == "ready"
            and v.get("visibility") == "public"
        )
        known = await self.meta(video_id)  # a deletion names no hashtags
        tags = set(v.get("hashtags") or []) if published else set()
        for tag in set(known.hashtags if known else ()) - tags:
            await self.kv.zrem(f"ht:{tag}", str(video_id))
        if not published:
            self._meta[video_id] = None
            await self.kv.delete(meta_key(video_id))
            author = v.get("author_id") or (known and known.author_id)
            await self.kv.zrem(f"cr:{author}", str(video_id))
            return
        meta = VideoMeta(int(v["author_id"]), tuple(sorted(tags)), timestamp_ms_of(video_id))
        await self.kv.set(meta_key(video_id), orjson.dumps(meta._asdict()))
        self._meta[video_id] = meta
        for index in [f"cr:{meta.author_id}"] + [f"ht:{tag}" for tag in meta.hashtags]:
            await self.kv.zadd(index, {str(video_id): recency_score(video_id)})
            await self.kv.ztrim(index, INDEX_CAP)

    async def watch(self, v: dict[str, Any]) -> None:
        viewer, video_id = v.get("viewer"), int(v["video_id"])
        if v["type"] == "impression":
            await self.decay("impressions", video_id, 1)
            if viewer:
                await f.mark_seen(self.kv, viewer, [video_id])
            return
        await self.decay("plays", video_id, 1)
        await self.trend(v, video_id, "play")
        await self.decay("watch_s", video_id, (v.get("watched_ms") or 0) / 1000)
        if finished(v):
            await self.decay("completions", video_id, 1)
            if viewer:
                await self.positive(v, viewer, video_id, "complete")
        elif viewer and v.get("duration_ms") and watch_ratio(v) < SKIP_RATIO:
            await self.affinity(viewer, video_id, "skip")
        if viewer:
            await f.mark_seen(self.kv, viewer, [video_id])

    async def user(self, v: dict[str, Any]) -> None:
        user = int(v["user_id"])
        if v.get("region"):
            await self.kv.set(region_key(user), str(v["region"]).encode())
            self._regions[user] = str(v["region"])
        if v["type"] == "user.created":
            for tag in v.get("interests") or []:
                await self.decay(f"ah:u:{user}", tag, INTEREST)

    async def interaction(self, v: dict[str, Any]) -> None:
        kind = v["type"]
        user = f"u:{v['user_id']}" if v.get("user_id") else None
        if kind == "like.added" and user:
            await self.decay("likes", v["video_id"], 1)
            await self.positive(v, user, int(v["video_id"]), "like")
            # The feed relies on this: what it serves is unseen, hence not liked.
            await f.mark_seen(self.kv, user, [int(v["video_id"])])
        elif kind == "share.added" and user:
            await self.decay("shares", v["video_id"], 1)
            await self.positive(v, user, int(v["video_id"]), "share")
        elif kind == "comment.added":
            await self.decay("comments", v["video_id"], 1)
            await self.trend(v, v["video_id"], "comment")
        elif kind == "follow.added":
            await self.decay(f"ac:u:{v['follower_id']}", v["followee_id"], AFFINITY["follow"])
            await self.kv.zadd(f"fo:{v['follower_id']}", {str(v["followee_id"]): self.now})
            await self.kv.ztrim(f"fo:{v['follower_id']}", FOLLOWEES_CAP)
        elif kind == "follow.removed":
            await self.kv.zrem(f"fo:{v['follower_id']}", str(v["followee_id"]))
        elif kind == "not_interested" and user:
            await self.kv.zadd(f"ni:{user}", {str(v["video_id"]): self.now})
            await self.affinity(user, int(v["video_id"]), "nope")
            await f.mark_seen(self.kv, user, [int(v["video_id"])])


async def apply(platform: Platform, events: list[Event]) -> None:
    batch = _Batch(platform)
    await batch.prefetch(
        {int(e.value["video_id"]) for e in events if e.value.get("video_id") is not None}
    )
    handlers: dict[str, Handler] = {
        topics.VIDEOS: batch.video,
        topics.WATCH: batch.watch,
        topics.INTERACTIONS: batch.interaction,
        topics.USERS: batch.user,
    }
    await apply_new(platform.kv, NAME, events, batch.timed(handlers))


def processor(platform: Platform) -> Processor:
    async def handle(events: list[Event]) -> None:
        await apply(platform, events)

    return Processor(NAME, (topics.USERS, topics.VIDEOS, topics.WATCH, topics.INTERACTIONS), handle)

"""Keeps the search index (``foryou.domains.search.index``) current from the event log.

Videos: a published video's terms and hashtags go in; an edit swaps them, and a deletion,
rejection or a switch to private takes them out. Users: usernames and display-name words by
prefix, scored by followers. Hashtags: prefix sets scored by video count, views, and a
decayed activity counter for trending (a new video with the tag, then plays, completions,
likes, shares and comments of its videos, weighted as the feed's trending is). Follower,
view and trending increments are guarded by watermarks, so a replay counts nothing twice.
"""

from __future__ import annotations

from typing import Any

import orjson

from foryou.domains.search import index as ix
from foryou.platform import Platform
from foryou.platform.events import Event
from foryou.stream import topics
from foryou.stream.catalog import recency_score
from foryou.stream.features import TRENDING, EventClock, finished
from foryou.stream.runner import Processor
from foryou.stream.watermarks import Handler, apply_new

NAME = "search"
TRENDING_TAGS = "trending_tags"  # a decayed counter in the feature store's format
NEW_VIDEO = 1.0  # a video published with a tag counts like one finished watch of it


def tag_views_key(tag: str) -> str:
    return f"s:hv:{tag}"


def _published(v: dict[str, Any]) -> bool:
    return (
        v["type"] != "video.deleted"
        and v.get("status") == "ready"
        and v.get("visibility") == "public"
    )


class _Batch(EventClock):
    def __init__(self, platform: Platform) -> None:
        super().__init__(platform.kv)
        self._docs: dict[int, dict[str, Any] | None] = {}

    async def prefetch(self, video_ids: set[int]) -> None:
        ordered = sorted(video_ids)
        raw = await self.kv.mget([ix.video_doc_key(v) for v in ordered])
        self._docs.update(
            (v, orjson.loads(r) if r else None) for v, r in zip(ordered, raw, strict=True)
        )

    async def doc(self, video_id: int) -> dict[str, Any] | None:
        if video_id not in self._docs:
            await self.prefetch({video_id})
        return self._docs[video_id]

    async def video(self, v: dict[str, Any]) -> None:
        video_id = int(v["video_id"])
        member, score = str(video_id), recency_score(video_id)
        old = await self.doc(video_id) or {"terms": [], "tags": []}
        published = _published(v)
        terms = ix.caption_terms(str(v.get("caption") or ""), v.get("hashtags") or [])
        new = {"terms": terms, "tags": sorted(set(v.get("hashtags") or []))} if published else None
        terms_now, tags_now = (set(new["terms"]), set(new["tags"])) if new else (set(), set())
        for term in set(old["terms"]) - terms_now:
            await self.kv.zrem(ix.term_key(term), member)
        for term in terms_now:
            await self.kv.zadd(ix.term_key(term), {member: score})
        gone, added = set(old["tags"]) - tags_now, tags_now - set(old["tags"])
        for tag in gone:
            await self.kv.zrem(ix.tag_key(tag), member)
        for tag in added:
            await self.kv.zadd(ix.tag_key(tag), {member: score})
            await self.decay(TRENDING_TAGS, tag, NEW_VIDEO)
        for tag in gone | added:
            await self._rescore_tag(tag)
        self._docs[video_id] = new
        if new:
            await self.kv.set(ix.video_doc_key(video_id), orjson.dumps(new))
        else:
            await self.kv.delete(ix.video_doc_key(video_id))

    async def _rescore_tag(self, tag: str) -> None:
        count = await self.kv.zcard(ix.tag_key(tag))
        for prefix in ix.prefixes(tag):
            if count:
                await self.kv.zadd(ix.tag_prefix_key(prefix), {tag: float(count)})
            else:
                await self.kv.zrem(ix.tag_prefix_key(prefix), tag)

    async def user(self, v: dict[str, Any]) -> None:
        user_id = str(v["user_id"])
        raw = await self.kv.get(ix.user_doc_key(user_id))
        old: dict[str, str] | None = orjson.loads(raw) if raw else None
        if v["type"] == "user.created":
            username = str(v["username"])
            new = {"username": username, "display_name": v.get("display_name") or username}
        elif old is not None and v.get("display_name"):
            new = {**old, "display_name": str(v["display_name"])}
        else:
            return
        followers = int(await self.kv.get(ix.followers_key(user_id)) or 0)
        before = ix.name_words(**old) if old else []
        after = ix.name_words(**new)
        stale = {p for w in before for p in ix.prefixes(w)} - {
            p for w in after for p in ix.prefixes(w)
        }
        for prefix in stale:
            await self.kv.zrem(ix.user_prefix_key(prefix), user_id)
        await self.kv.set(ix.user_doc_key(user_id), orjson.dumps(new))
        await self._score_user(new, user_id, followers)

    async def _score_user(self, doc: dict[str, str], user_id: str, followers: int) -> None:
        for prefix in {p for w in ix.name_words(**doc) for p in ix.prefixes(w)}:
            await self.kv.zadd(ix.user_prefix_key(prefix), {user_id: float(followers)})

    async def follow(self, followee: str, change: int) -> None:
        followers = max(await self.kv.incr(ix.followers_key(followee), change), 0)
        raw = await self.kv.get(ix.user_doc_key(followee))
        if raw:
            await self._score_user(orjson.loads(raw), followee, followers)

    async def activity(self, video_id: int, action: str) -> None:
        doc = await self.doc(video_id)
        for tag in doc["tags"] if doc else []:
            await self.decay(TRENDING_TAGS, tag, TRENDING[action])
            if action == "play":
                await self.kv.incr(tag_views_key(tag))

    async def interaction(self, v: dict[str, Any]) -> None:
        kind = v["type"]
        if kind in ("follow.added", "follow.removed"):
            await self.follow(str(v["followee_id"]), 1 if kind == "follow.added" else -1)
        elif action := {"like.added": "like", "share.added": "share"}.get(kind):
            await self.activity(int(v["video_id"]), action)
        elif kind == "comment.added":
            await self.activity(int(v["video_id"]), "comment")

    async def watch(self, v: dict[str, Any]) -> None:
        if v["type"] == "watch":
            await self.activity(int(v["video_id"]), "play")
            if finished(v):
                await self.activity(int(v["video_id"]), "complete")


async def apply(platform: Platform, events: list[Event]) -> None:
    batch = _Batch(platform)
    await batch.prefetch(
        {int(e.value["video_id"]) for e in events if e.value.get("video_id") is not None}
    )
    handlers: dict[str, Handler] = {
        topics.VIDEOS: batch.video,
        topics.USERS: batch.user,
        topics.INTERACTIONS: batch.interaction,
        topics.WATCH: batch.watch,
    }
    await apply_new(platform.kv, NAME, events, batch.timed(handlers))


def processor(platform: Platform) -> Processor:
    async def handle(events: list[Event]) -> None:
        await apply(platform, events)

    return Processor(NAME, (topics.USERS, topics.VIDEOS, topics.INTERACTIONS, topics.WATCH), handle)

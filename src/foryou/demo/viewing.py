"""Simulated viewing: demo viewers scroll their For You feed and react to each clip as a
person with a couple of favourite topics would, through the same endpoints as the apps.

A viewer's reaction to a clip depends only on the seed, the viewer and the clip, so a seed
gives the same behaviour whatever order the feed serves the clips in.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from foryou.demo.api import call
from foryou.demo.clips import ClipPlan

PAGE = 8  # feed items per page
FAN_COMPLETES = 0.8  # how often a clip on a favourite topic is watched to the end
OTHER_COMPLETES = 0.2
FAN_LIKES, OTHER_LIKES = 0.5, 0.12  # of the finished ones


@dataclass(frozen=True)
class Viewer:
    name: str  # a username, or a device id for a viewer without an account
    headers: dict[str, str]  # auth or Foryou-Device-Id, and Foryou-Region
    topics: tuple[str, ...]
    signed_in: bool


@dataclass(frozen=True)
class Reaction:
    watched: float  # the share of the clip watched, 1.0 when finished
    replays: int
    like: bool
    comment: str | None
    share: bool
    follow: bool  # the creator, if not followed yet


def react(seed: int, viewer: Viewer, clip: ClipPlan) -> Reaction:
    rng = random.Random(f"{seed}:{viewer.name}:{clip.index}")
    fan = clip.topic.name in viewer.topics
    finished = rng.random() < (FAN_COMPLETES if fan else OTHER_COMPLETES)
    liked = viewer.signed_in and finished and rng.random() < (FAN_LIKES if fan else OTHER_LIKES)
    return Reaction(
        watched=1.0 if finished else rng.uniform(0.08, 0.6),
        replays=rng.choice((0, 0, 0, 1, 2)) if finished and fan else 0,
        like=liked,
        comment=rng.choice(clip.topic.comments) if liked and rng.random() < 0.3 else None,
        share=liked and rng.random() < 0.15,
        follow=liked and rng.random() < 0.35,
    )


@dataclass
class Viewing:
    """Runs the viewers' sessions and counts what they did."""

    client: httpx.AsyncClient
    clips: dict[str, ClipPlan]  # by video id
    seed: int
    tally: Counter[str] = field(default_factory=Counter)
    _followed: set[tuple[str, str]] = field(default_factory=set)

    async def scroll(self, viewer: Viewer) -> int:
        """One page of the viewer's feed, watched and reacted to; how many clips it had."""
        page = await self._call("GET", "/api/v1/feed", viewer, params={"limit": PAGE})
        events: list[dict[str, Any]] = []
        reacted: list[tuple[str, ClipPlan, Reaction]] = []
        for position, item in enumerate(page["items"]):
            video_id = item["video"]["id"]
            clip = self.clips.get(video_id)
            if clip is None:  # not a demo clip: leave it unwatched
                continue
            reaction = react(self.seed, viewer, clip)
            duration = item["video"]["duration_ms"] or round(clip.seconds * 1000)
            common = {"video_id": video_id, "request_id": page["request_id"], "position": position}
            events.append({"type": "impression", **common})
            events.append(
                {
                    "type": "watch",
                    **common,
                    "duration_ms": duration,
                    "watched_ms": round(duration * reaction.watched),
                    "completed": reaction.watched >= 1.0,
                    "replays": reaction.replays,
                }
            )
            reacted.append((video_id, clip, reaction))
        if events:
            await self._call("POST", "/api/v1/events", viewer, json={"events": events})
            self.tally.update(impression=len(reacted), watch=len(reacted))
        for video_id, clip, reaction in reacted:
            await self._respond(viewer, video_id, clip, reaction)
        return len(page["items"])

    async def _respond(
        self, viewer: Viewer, video_id: str, clip: ClipPlan, reaction: Reaction
    ) -> None:
        video = f"/api/v1/videos/{video_id}"
        if reaction.like:
            await self._call("PUT", f"{video}/like", viewer)
            self.tally["like"] += 1
        if reaction.comment:
            await self._call("POST", f"{video}/comments", viewer, json={"text": reaction.comment})
            self.tally["comment"] += 1
        if reaction.share:
            await self._call("POST", f"{video}/shares", viewer, json={"channel": "copy_link"})
            self.tally["share"] += 1
        creator = clip.creator.username
        if reaction.follow and (viewer.name, creator) not in self._followed:
            await self._call("PUT", f"/api/v1/users/{creator}/follow", viewer)
            self._followed.add((viewer.name, creator))
            self.tally["follow"] += 1

    async def _call(self, method: str, path: str, viewer: Viewer, **kwargs: Any) -> Any:
        return await call(
            self.client, method, path, who=viewer.name, headers=viewer.headers, **kwargs
        )

"""``GET /videos/{id}/events``: a video's processing, live, for its author (server-sent events).

An extension of the v1 contract. The stream polls the video's row on its shard every
``POLL_S`` and sends an event ``status`` with ``{status, status_detail, progress,
playback_ready}`` whenever one of them changes (the first event at once), a comment ping every
``PING_S``, and ends after the final state (``ready`` at progress 100, ``rejected`` or
``failed``) or after ``MAX_S``. A video deleted meanwhile ends it with an event ``deleted``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import APIRouter
from sqlalchemy import select
from sse_starlette import EventSourceResponse, ServerSentEvent

from foryou.deps import MaybeUser, PlatformDep, VideoIdPath
from foryou.domains.videos import service
from foryou.domains.videos.models import Video
from foryou.gateway.problems import problem_responses
from foryou.platform import Platform

router = APIRouter(tags=["videos"])

POLL_S = 0.5
PING_S = 15
MAX_S = 15 * 60
FINAL = ("rejected", "failed")

Snapshot = dict[str, Any]

_EVENT_SCHEMA = {
    "type": "string",
    "description": "text/event-stream: `event: status` with `data:` a JSON object "
    "{status, status_detail, progress (0-100), playback_ready (bool)}; comment pings; "
    "`event: deleted` if the video is deleted meanwhile",
}
RESPONSES: dict[int | str, Any] = {
    200: {
        "description": "the processing state as server-sent events, until its final state",
        "content": {"text/event-stream": {"schema": _EVENT_SCHEMA}},
    },
    **problem_responses({404: "no such video, or not yours"}),
}


def is_final(snapshot: Snapshot) -> bool:
    status = snapshot["status"]
    return status in FINAL or (status == "ready" and snapshot["progress"] >= 100)


async def snapshot(platform: Platform, video_id: int) -> Snapshot | None:
    """What the stream reports, read in one short session on the video's shard."""
    query = select(Video.status, Video.status_detail, Video.progress, Video.playback).where(
        Video.id == video_id
    )
    async with platform.sql.session(platform.sql.shard_of(video_id)) as session:
        row = (await session.execute(query)).first()
    return None if row is None else _state(*row)


def _state(status: str, detail: str, progress: int, playback: object) -> Snapshot:
    return {
        "status": status,
        "status_detail": detail,
        "progress": max(0, min(100, progress)),
        # a refused video's media is gone even where its row still names it
        "playback_ready": playback is not None and status not in FINAL,
    }


async def _events(
    platform: Platform, video_id: int, first: Snapshot
) -> AsyncIterator[ServerSentEvent]:
    deadline = time.monotonic() + MAX_S
    current: Snapshot | None = first
    sent: Snapshot | None = None
    while True:
        if current is None:
            yield ServerSentEvent(event="deleted", data="{}")
            return
        if current != sent:
            yield ServerSentEvent(event="status", data=orjson.dumps(current).decode())
            sent = current
        if is_final(current) or time.monotonic() >= deadline:
            return
        await asyncio.sleep(POLL_S)
        current = await snapshot(platform, video_id)


@router.get(
    "/videos/{video_id}/events",
    response_class=EventSourceResponse,
    responses=RESPONSES,
    summary="Follow a video's processing (server-sent events)",
    description="For the video's author and moderators. Sends `event: status` whenever the "
    "status, detail, progress or playability changes, and ends after the final state "
    "(`ready` at progress 100, `rejected`, `failed`) or after 15 minutes; clients should "
    "close their EventSource on the final event rather than reconnect.",
)
async def video_events(
    video_id: VideoIdPath, viewer: MaybeUser, platform: PlatformDep
) -> EventSourceResponse:
    video = await service.get(platform, video_id) if viewer is not None else None
    if video is None or viewer is None:
        raise service.not_found(video_id)
    if viewer.user_id != video.author_id and not viewer.is_moderator:
        raise service.not_found(video_id)
    first = _state(video.status, video.status_detail, video.progress, video.playback)
    return EventSourceResponse(_events(platform, video_id, first), ping=PING_S)

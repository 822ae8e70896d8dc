"""Feed shapes."""

from __future__ import annotations

from pydantic import BaseModel

from foryou.domains.common import Id
from foryou.domains.videos.schemas import VideoPublic


class Reason(BaseModel):
    kind: str
    detail: str | None = None


class FeedItem(BaseModel):
    video: VideoPublic
    reason: Reason
    score: float | None = None


class Prefetch(BaseModel):
    video_id: Id
    urls: list[str]


class FeedPage(BaseModel):
    request_id: str
    items: list[FeedItem]
    prefetch: list[Prefetch]
    next_cursor: str | None = None

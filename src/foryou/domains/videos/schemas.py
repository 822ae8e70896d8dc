"""Video shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from foryou.domains.accounts.schemas import AuthorRef
from foryou.domains.common import Id, Trimmed

Visibility = Literal["public", "private"]
Status = Literal["uploading", "processing", "ready", "rejected", "failed"]
Caption = Annotated[str, StringConstraints(max_length=2200), Trimmed]


class VideoPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    caption: Caption | None = None
    visibility: Visibility | None = None


class Counts(BaseModel):
    views: int
    likes: int
    comments: int
    shares: int


class Rendition(BaseModel):
    width: int
    height: int
    bandwidth: int
    codecs: str


class Playback(BaseModel):
    hls: str
    poster: str | None = None
    thumbnail: str | None = Field(
        default=None, description="a small still for grids and previews (extends the v1 contract)"
    )
    renditions: list[Rendition] = []


class VideoPublic(BaseModel):
    id: Id
    author: AuthorRef
    caption: str
    hashtags: list[str]
    duration_ms: int | None
    width: int | None
    height: int | None
    status: Status
    status_detail: str
    progress: int = Field(
        ge=0,
        le=100,
        description="processing progress, 0-100 (an extension of the v1 contract): 100 once "
        "every rendition is published; follow it live on GET /api/v1/videos/{id}/events",
    )
    visibility: Visibility
    created_at: datetime
    counts: Counts
    playback: Playback | None
    liked_by_me: bool | None = None

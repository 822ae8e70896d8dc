"""Interaction shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from foryou.domains.accounts.schemas import AuthorRef
from foryou.domains.common import NOT_BLANK, Id, IdIn, NumberOnly, TextOnly, Trimmed

MAX_EVENTS = 100
DAY_MS = 24 * 3600 * 1000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CommentIn(_Strict):
    text: Annotated[str, StringConstraints(max_length=500, pattern=NOT_BLANK), Trimmed]


class CommentPublic(BaseModel):
    id: Id
    video_id: Id
    author: AuthorRef
    text: str
    created_at: datetime


class ShareIn(_Strict):
    channel: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,32}$")] | None = None


class ShareOut(BaseModel):
    url: str


class WatchEvent(_Strict):
    type: Literal["impression", "watch"]
    video_id: IdIn
    request_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    watched_ms: Annotated[int, Field(ge=0, le=DAY_MS), NumberOnly] | None = None
    duration_ms: Annotated[int, Field(ge=0, le=DAY_MS), NumberOnly] | None = None
    completed: StrictBool | None = None
    replays: Annotated[int, Field(ge=0, le=10_000), NumberOnly] | None = None
    position: Annotated[int, Field(ge=0, le=100_000), NumberOnly] | None = None
    ts: Annotated[AwareDatetime, TextOnly] | None = None


class EventBatch(_Strict):
    events: Annotated[list[WatchEvent], Field(min_length=1, max_length=MAX_EVENTS)]


class Accepted(BaseModel):
    accepted: int

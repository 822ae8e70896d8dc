"""Moderation shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from foryou.domains.common import NOT_BLANK, Id, Trimmed
from foryou.domains.videos.schemas import VideoPublic

Decision = Literal["approve", "reject"]
Reason = Annotated[str, StringConstraints(max_length=500, pattern=NOT_BLANK), Trimmed]


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Decision
    reason: Reason


class QueueItem(BaseModel):
    video: VideoPublic
    signals: list[dict[str, Any]]
    flagged_at: datetime


class DecisionPublic(BaseModel):
    id: Id
    video_id: Id
    moderator_id: Id | None
    decision: str
    reason: str
    created_at: datetime

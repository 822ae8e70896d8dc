"""Search shapes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from foryou.domains.accounts.schemas import AuthorRef

SearchType = Literal["videos", "users", "hashtags"]


class HashtagRef(BaseModel):
    tag: str = Field(description="bare and lower case, as in a video's hashtags")
    video_count: int = Field(description="public, ready videos with the hashtag")


class HashtagSummary(HashtagRef):
    views: int = Field(description="plays of its videos")
    trending_score: float = Field(description="its recent activity, decayed (half-life 12 h)")


class HashtagTrend(HashtagRef):
    trending_score: float


class Suggestions(BaseModel):
    users: list[AuthorRef]
    hashtags: list[HashtagRef]

"""Account shapes: what clients send and what they get back."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from foryou.domains.common import NOT_BLANK, Id, Trimmed

Username = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_.]{3,24}$")]
Password = Annotated[str, Field(min_length=8, max_length=128)]
DisplayName = Annotated[str, StringConstraints(max_length=64, pattern=NOT_BLANK), Trimmed]
Region = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$", to_upper=True)]
Role = Literal["user", "moderator", "admin"]
# A hashtag, with or without its '#', kept as the captions' hashtags are: bare, lower case.
Interest = Annotated[
    str,
    StringConstraints(pattern=r"^#?\w{1,100}$", to_lower=True),
    AfterValidator(lambda tag: tag.lstrip("#")),
]
Interests = Annotated[list[Interest], Field(max_length=10)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignupIn(_Strict):
    username: Username = Field(description="3–24 of a-z, 0-9, _ and .")
    password: Password
    display_name: DisplayName | None = None
    region: Region | None = Field(default=None, description="ISO 3166 country code")
    interests: Interests = Field(
        default_factory=list, description="hashtags to start the For You feed with (at most 10)"
    )


class LoginIn(_Strict):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=128)]


class RefreshIn(_Strict):
    refresh_token: Annotated[str, Field(min_length=1, max_length=200)]


class MePatch(_Strict):
    display_name: DisplayName | None = None
    bio: Annotated[str, StringConstraints(max_length=300), Trimmed] | None = None


class AuthorRef(BaseModel):
    id: Id
    username: str
    display_name: str


class UserPublic(AuthorRef):
    bio: str
    region: str
    follower_count: int
    following_count: int
    like_count: int
    video_count: int
    created_at: datetime
    is_following: bool | None = None


class Me(UserPublic):
    role: Role


class TokenPair(BaseModel):
    user: Me
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int

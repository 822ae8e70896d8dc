"""Interaction tables, laid out so that each write touches one or two shards.

Likes, comments and shares live on the video's shard (a video page reads one shard). A follow
is stored twice: the out-edge on the follower's shard, the in-edge on the followee's.
"""

from __future__ import annotations

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from foryou.platform.sql.base import Base


class Like(Base):
    __tablename__ = "likes"

    video_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    created_ms: Mapped[int]


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_video_id_id", "video_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    video_id: Mapped[int]
    author_id: Mapped[int]
    text: Mapped[str] = mapped_column(String(500))


class Share(Base):
    __tablename__ = "shares"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    video_id: Mapped[int] = mapped_column(index=True)
    user_id: Mapped[int | None]
    channel: Mapped[str] = mapped_column(String(32), default="link")


class FollowOut(Base):
    """``user_id`` follows ``other_id``; on the follower's shard."""

    __tablename__ = "follows_out"
    __table_args__ = (Index("ix_follows_out_user_id_edge_id", "user_id", "edge_id"),)

    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    other_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    edge_id: Mapped[int]  # time-ordered: the list cursor


class FollowIn(Base):
    """``other_id`` follows ``user_id``; on the followee's shard."""

    __tablename__ = "follows_in"
    __table_args__ = (Index("ix_follows_in_user_id_edge_id", "user_id", "edge_id"),)

    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    other_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    edge_id: Mapped[int]


class NotInterested(Base):
    __tablename__ = "not_interested"

    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    video_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)

"""Video table, on the author's shard (a video ID carries its author's logical shard)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from foryou.platform.sql.base import Base


class Video(Base):
    __tablename__ = "videos"
    __table_args__ = (
        Index("ix_videos_author_id_id", "author_id", "id"),
        Index("ix_videos_status_heartbeat_ms", "status", "heartbeat_ms"),
        Index("ix_videos_review", "review"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    author_id: Mapped[int]
    caption: Mapped[str] = mapped_column(String(2200), default="")
    hashtags: Mapped[list[str]] = mapped_column(JSON, default=list)
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    status: Mapped[str] = mapped_column(String(16), default="processing")
    status_detail: Mapped[str] = mapped_column(String(300), default="")
    duration_ms: Mapped[int | None] = mapped_column(default=None)
    width: Mapped[int | None] = mapped_column(default=None)
    height: Mapped[int | None] = mapped_column(default=None)
    source_key: Mapped[str] = mapped_column(String(255), default="")
    source_size: Mapped[int] = mapped_column(default=0)
    playback: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    poster_key: Mapped[str | None] = mapped_column(String(255), default=None)
    # Resumable (tus) upload: the upload ID is the video ID; bytes staged until complete.
    upload_length: Mapped[int | None] = mapped_column(BigInteger, default=None)
    upload_offset: Mapped[int] = mapped_column(BigInteger, default=0)
    # Processing: progress 0-100 and a heartbeat the running job refreshes; a stale
    # heartbeat in `processing` means the worker died and the job is retried.
    progress: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    heartbeat_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    # Moderation: review is None (not flagged), "pending", "approved" or "rejected".
    review: Mapped[str | None] = mapped_column(String(16), default=None)
    moderation_signals: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=None)
    phash: Mapped[str | None] = mapped_column(String(32), default=None)
    # Counters below are written only by the event-log consumer (foryou.stream.counters).
    view_count: Mapped[int] = mapped_column(default=0)
    like_count: Mapped[int] = mapped_column(default=0)
    comment_count: Mapped[int] = mapped_column(default=0)
    share_count: Mapped[int] = mapped_column(default=0)

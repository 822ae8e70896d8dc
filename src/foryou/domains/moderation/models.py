"""Moderation tables: decisions on the video's shard; the perceptual-hash blocklist on shard 0."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from foryou.platform.sql.base import Base

BLOCKLIST_SHARD = 0


class ModerationDecision(Base):
    """Who decided what about a video, and why: an append-only log."""

    __tablename__ = "moderation_decisions"
    __table_args__ = (Index("ix_moderation_decisions_video_id_id", "video_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    video_id: Mapped[int]
    moderator_id: Mapped[int | None]  # None: decided by the automatic screening
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500), default="")


class BlockedHash(Base):
    """Perceptual hashes of rejected clips, so the same clip cannot simply be re-uploaded."""

    __tablename__ = "blocked_hashes"

    phash: Mapped[str] = mapped_column(String(32), primary_key=True)
    video_id: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(500), default="")

"""Per-shard bookkeeping of the consumers that write to SQL."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from foryou.platform.sql.base import Base


class AppliedOffset(Base):
    """The highest log offset a consumer has applied to this shard, per topic partition.

    Written in the same transaction as the consumer's changes, so replaying the log (or a
    redelivery after a crash) skips what this shard already holds.
    """

    __tablename__ = "applied_offsets"

    consumer: Mapped[str] = mapped_column(String(64), primary_key=True)
    topic: Mapped[str] = mapped_column(String(64), primary_key=True)
    partition: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    offset: Mapped[int]

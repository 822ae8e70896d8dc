"""media pipeline and moderation

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:04:40.831073
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "blocked_hashes",
        sa.Column("phash", sa.String(length=32), nullable=False),
        sa.Column("video_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("phash", name=op.f("pk_blocked_hashes")),
    )
    op.create_table(
        "moderation_decisions",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("video_id", sa.BigInteger(), nullable=False),
        sa.Column("moderator_id", sa.BigInteger(), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_decisions")),
    )
    with op.batch_alter_table("moderation_decisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_moderation_decisions_video_id_id", ["video_id", "id"], unique=False
        )

    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.add_column(sa.Column("poster_key", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("upload_length", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("upload_offset", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("progress", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("attempts", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("heartbeat_ms", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("review", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("moderation_signals", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("phash", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_videos_review", ["review"], unique=False)
        batch_op.create_index(
            "ix_videos_status_heartbeat_ms", ["status", "heartbeat_ms"], unique=False
        )
    # Videos published before the pipeline existed are finished: nothing to reconcile.
    op.execute("UPDATE videos SET progress = 100 WHERE status <> 'processing'")


def downgrade() -> None:
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.drop_index("ix_videos_status_heartbeat_ms")
        batch_op.drop_index("ix_videos_review")
        batch_op.drop_column("phash")
        batch_op.drop_column("moderation_signals")
        batch_op.drop_column("review")
        batch_op.drop_column("heartbeat_ms")
        batch_op.drop_column("attempts")
        batch_op.drop_column("progress")
        batch_op.drop_column("upload_offset")
        batch_op.drop_column("upload_length")
        batch_op.drop_column("poster_key")

    with op.batch_alter_table("moderation_decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_moderation_decisions_video_id_id")

    op.drop_table("moderation_decisions")
    op.drop_table("blocked_hashes")

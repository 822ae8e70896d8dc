"""ID worker slots

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WORKERS = 64  # foryou.ids.WORKERS when this revision was written; migrations stay frozen


def upgrade() -> None:
    slots = op.create_table(
        "id_worker_slots",
        sa.Column("slot", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("holder", sa.String(length=96), nullable=True),
        sa.Column("expires_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("slot", name=op.f("pk_id_worker_slots")),
    )
    op.bulk_insert(slots, [{"slot": n, "holder": None, "expires_ms": 0} for n in range(WORKERS)])


def downgrade() -> None:
    op.drop_table("id_worker_slots")

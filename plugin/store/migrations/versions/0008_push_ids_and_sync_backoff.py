"""one webhook-id per routine of a push, kept across its attempts; sync backoff on installations

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pushes") as batch:
        # routine id -> the webhook-id every attempt of that routine's message carries.
        batch.add_column(sa.Column("webhook_ids", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    with op.batch_alter_table("installations") as batch:
        # A failing sync waits like a failing push (services/sync.py), never sooner than the interval.
        batch.add_column(sa.Column("sync_failures", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("sync_next_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("sync_last_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("installations") as batch:
        batch.drop_column("sync_last_error")
        batch.drop_column("sync_next_at")
        batch.drop_column("sync_failures")
    with op.batch_alter_table("pushes") as batch:
        batch.drop_column("webhook_ids")

"""stale-feed marker on calendars; sessions indexed by (installation, start)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch: SQLite cannot ALTER a column's constraints in place; on PostgreSQL it is a plain ALTER.
    with op.batch_alter_table("calendars") as batch:
        batch.add_column(sa.Column("feed_stale", sa.Boolean(), nullable=False, server_default=sa.false()))
    # Every windowed read (adherence, /sessions?from&to, the feed's done marks) asks for one
    # installation's sessions in a time range; the composite index serves it and also every
    # lookup by installation alone, so the single-column index goes.
    op.create_index(
        "ix_completed_sessions_installation_started",
        "completed_sessions",
        ["installation_id", "started_at"],
    )
    op.drop_index("ix_completed_sessions_installation_id", table_name="completed_sessions")


def downgrade() -> None:
    op.create_index("ix_completed_sessions_installation_id", "completed_sessions", ["installation_id"])
    op.drop_index("ix_completed_sessions_installation_started", table_name="completed_sessions")
    with op.batch_alter_table("calendars") as batch:
        batch.drop_column("feed_stale")

"""sessions indexed by (installation, pain, start): the pain scores a plan's progression reads

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The feed, the pushes and /adherence read the sessions with a high pain score of one
    # installation since its plan began (plugin.store.sessions.pain_reports): with this index
    # that is a short range, not a walk through years of sessions.
    op.create_index(
        "ix_completed_sessions_installation_pain",
        "completed_sessions",
        ["installation_id", "pain", "started_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_completed_sessions_installation_pain", table_name="completed_sessions")

"""installations, seen webhook ids, pushes, push states, completed sessions

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _installation_fk(primary_key: bool = False, nullable: bool = False) -> sa.Column:
    return sa.Column(
        "installation_id",
        sa.String(32),
        sa.ForeignKey("installations.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=nullable,
    )


def upgrade() -> None:
    op.create_table(
        "installations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("client_key", sa.String(200), nullable=False, unique=True),
        sa.Column("tracker", sa.String(32), nullable=False),
        sa.Column("base_url", sa.String(500), nullable=False),
        sa.Column("secret_enc", sa.Text(), nullable=False),
        sa.Column("credentials_enc", sa.Text(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=True),
        sa.Column("tracker_state", sa.JSON(), nullable=False),
        sa.Column("sync_cursor", sa.Text(), nullable=True),
        sa.Column("last_synced_at", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "seen_webhooks",
        sa.Column("scope", sa.String(32), primary_key=True),
        sa.Column("webhook_id", sa.String(200), primary_key=True),
        _installation_fk(nullable=True),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("answer", sa.JSON(), nullable=True),
    )
    op.create_index("ix_seen_webhooks_installation_id", "seen_webhooks", ["installation_id"])
    op.create_index("ix_seen_webhooks_received_at", "seen_webhooks", ["received_at"])
    op.create_table(
        "pushes",
        sa.Column("id", sa.String(32), primary_key=True),
        _installation_fk(),
        sa.Column("routines", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("remote_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("finished_at", TZ, nullable=True),
    )
    op.create_index("ix_pushes_installation_id", "pushes", ["installation_id"])
    op.create_index("ix_pushes_status", "pushes", ["status"])
    op.create_table(
        "push_states",
        _installation_fk(primary_key=True),
        sa.Column("routine_id", sa.String(64), primary_key=True),
        sa.Column("remote_ids", sa.JSON(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "completed_sessions",
        sa.Column("id", sa.String(32), primary_key=True),
        _installation_fk(),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("source_id", sa.String(200), nullable=False),
        sa.Column("routine_id", sa.String(64), nullable=True),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("exercises", sa.JSON(), nullable=False),
        sa.Column("pain", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("raw_json", sa.JSON(), nullable=True),
        sa.Column("raw_bytes", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("installation_id", "source", "source_id", name="uq_session_source"),
    )
    op.create_index("ix_completed_sessions_installation_id", "completed_sessions", ["installation_id"])
    op.create_index("ix_completed_sessions_started_at", "completed_sessions", ["started_at"])


def downgrade() -> None:
    for table in ("completed_sessions", "push_states", "pushes", "seen_webhooks", "installations"):
        op.drop_table(table)

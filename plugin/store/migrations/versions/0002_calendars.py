"""calendar subscriptions

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendars",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("installation_id", sa.String(64), nullable=True),
        sa.Column("spec", sa.JSON(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("feed_body", sa.LargeBinary(), nullable=True),
        sa.Column("feed_etag", sa.String(80), nullable=True),
        sa.Column("feed_modified", sa.DateTime(timezone=True), nullable=True),
        sa.Column("feed_fingerprint", sa.String(64), nullable=True),
        sa.Column("caldav_url", sa.Text(), nullable=True),
        sa.Column("caldav_username", sa.String(200), nullable=True),
        sa.Column("caldav_password", sa.Text(), nullable=True),
        sa.Column("caldav_resources", sa.JSON(), nullable=True),
        sa.Column("caldav_pushed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_calendars_token_hash", "calendars", ["token_hash"], unique=True)
    op.create_index("ix_calendars_installation_id", "calendars", ["installation_id"])


def downgrade() -> None:
    op.drop_index("ix_calendars_installation_id", table_name="calendars")
    op.drop_index("ix_calendars_token_hash", table_name="calendars")
    op.drop_table("calendars")

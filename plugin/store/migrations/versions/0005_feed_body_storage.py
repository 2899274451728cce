"""feed bodies stored uncompressed on PostgreSQL

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A feed body is written once per burst and read on every 200: PostgreSQL's default
    # (EXTENDED) compresses a 100 KiB body to a few KiB and decompresses it on each read, a
    # third of the read's cost (docs/benchmarks-history.md#the-feed-of-that-installation).
    # EXTERNAL keeps it out of line but uncompressed. SQLite has no such setting.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE calendars ALTER COLUMN feed_body SET STORAGE EXTERNAL")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE calendars ALTER COLUMN feed_body SET STORAGE EXTENDED")

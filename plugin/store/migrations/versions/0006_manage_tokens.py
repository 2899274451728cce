"""manage tokens: the hash of the token that changes a calendar or an installation from a page

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SHA-256 hex of the token; NULL for rows made before manage tokens existed and for the
    # calendars an installation owns (changed through the installation only).
    with op.batch_alter_table("calendars") as batch:
        batch.add_column(sa.Column("manage_token_hash", sa.String(64), nullable=True))
        batch.create_index("ix_calendars_manage_token_hash", ["manage_token_hash"], unique=True)
    with op.batch_alter_table("installations") as batch:
        batch.add_column(sa.Column("manage_token_hash", sa.String(64), nullable=True))
        batch.create_index("ix_installations_manage_token_hash", ["manage_token_hash"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("installations") as batch:
        batch.drop_index("ix_installations_manage_token_hash")
        batch.drop_column("manage_token_hash")
    with op.batch_alter_table("calendars") as batch:
        batch.drop_index("ix_calendars_manage_token_hash")
        batch.drop_column("manage_token_hash")

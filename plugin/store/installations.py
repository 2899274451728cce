"""Installations (one per host tracker account) and the webhook ids they have already sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Mapped, Session, mapped_column

from plugin import clock
from plugin.ids import new_id
from plugin.store.tables import Base

HOST_SCOPE = "host"  # seen webhook ids of lifecycle calls signed with a host registration secret


class InstallationRow(Base):
    """A tracker account that installed the plugin; secrets are Fernet tokens, never plaintext."""

    __tablename__ = "installations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    client_key: Mapped[str] = mapped_column(String(200), unique=True)
    tracker: Mapped[str] = mapped_column(String(32))
    base_url: Mapped[str] = mapped_column(String(500))
    secret_enc: Mapped[str] = mapped_column(Text)
    credentials_enc: Mapped[str] = mapped_column(Text)
    # SHA-256 of the token of the installation's management page; only installations a person
    # connected from /connect have one.
    manage_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True, nullable=True)
    tracker_state: Mapped[dict] = mapped_column(JSON, default=dict)  # e.g. refreshed OAuth tokens
    sync_cursor: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Failed syncs in a row, when the next may start, and the last one's short error (services/sync.py).
    sync_failures: Mapped[int] = mapped_column(Integer, default=0)
    sync_next_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    sync_last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, onupdate=clock.now
    )


class SeenWebhookRow(Base):
    """A webhook-id already accepted in a scope, with the answer it got (replays get it again)."""

    __tablename__ = "seen_webhooks"

    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    installation_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("installations.id", ondelete="CASCADE"), nullable=True, index=True
    )
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now, index=True)
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    answer: Mapped[dict | list | None] = mapped_column(JSON, nullable=True)


# Built once: every signed call starts with this lookup.
_BY_CLIENT_KEY = select(InstallationRow).where(InstallationRow.client_key == bindparam("client_key"))


def by_client_key(session: Session, client_key: str) -> InstallationRow | None:
    return session.scalars(_BY_CLIENT_KEY, {"client_key": client_key}).first()


def by_manage_token_hash(session: Session, manage_token_hash: str) -> InstallationRow | None:
    query = select(InstallationRow).where(InstallationRow.manage_token_hash == manage_token_hash)
    return session.scalars(query).first()


def get(session: Session, installation_id: str) -> InstallationRow | None:
    return session.get(InstallationRow, installation_id)


def all_rows(session: Session) -> list[InstallationRow]:
    return list(session.scalars(select(InstallationRow).order_by(InstallationRow.created_at)))


# Core statements on the table, built once: they run on every signed call, and the ORM's
# bulk-statement handling (session synchronisation, autoflush) cost more than the writes.
# A declarative class's __table__ is its Table (SQLAlchemy types it as any FromClause).
_SEEN = cast(Table, SeenWebhookRow.__table__)
_CLAIM = insert(_SEEN)
_KEEP_ANSWER = (
    update(_SEEN)
    .where(_SEEN.c.scope == bindparam("b_scope"), _SEEN.c.webhook_id == bindparam("b_webhook_id"))
    .values(
        installation_id=bindparam("installation_id"), status=bindparam("status"), answer=bindparam("answer")
    )
)


def claim_webhook(session: Session, scope: str, webhook_id: str, installation_id: str | None) -> None:
    """Insert a seen webhook-id; IntegrityError when it is already there (the primary key decides)."""
    values = {"scope": scope, "webhook_id": webhook_id, "installation_id": installation_id}
    session.connection().execute(_CLAIM, {**values, "received_at": clock.now()})


def keep_answer(
    session: Session, scope: str, webhook_id: str, installation_id: str | None, status: int, answer: object
) -> None:
    """Record the answer a claimed webhook-id got, for its replays."""
    params = {"installation_id": installation_id, "status": status, "answer": answer}
    session.connection().execute(_KEEP_ANSWER, {"b_scope": scope, "b_webhook_id": webhook_id, **params})


def unlink_seen(session: Session, installation_id: str) -> None:
    """Keep an installation's seen webhook ids but nothing of it: no link, no answer.

    A NULL status marks an answer erased (a replay of it gets 409, web/signing.py).
    """
    session.execute(
        update(SeenWebhookRow)
        .where(SeenWebhookRow.installation_id == installation_id)
        .values(installation_id=None, status=None, answer=None)
    )


def forget_seen_before(session: Session, cutoff: datetime) -> int:
    """Drop seen ids older than ``cutoff``: their timestamps are stale, so a replay is refused anyway."""
    # A DELETE's result is a CursorResult, which counts the rows (Session.execute types it as Result).
    result = cast(
        "CursorResult[Any]",
        session.execute(delete(SeenWebhookRow).where(SeenWebhookRow.received_at < cutoff)),
    )
    return result.rowcount or 0

"""Pushes of routines to a tracker (the source of truth; the queue only carries their ids)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from plugin import clock
from plugin.ids import new_id
from plugin.store.installations import InstallationRow
from plugin.store.tables import Base

PENDING, RUNNING, DELIVERED, FAILED = "pending", "running", "delivered", "failed"


class PushRow(Base):
    __tablename__ = "pushes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    installation_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("installations.id", ondelete="CASCADE"), index=True
    )
    routines: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    remote_ids: Mapped[dict] = mapped_column(JSON, default=dict)  # routine id -> the tracker's ids
    # routine id -> the webhook-id of its message, the same on every attempt (a host deduplicates on it)
    webhook_ids: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, onupdate=clock.now
    )
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    @property
    def due_at(self) -> datetime | None:
        """When the push is tried next; None unless it is pending (the column keeps the last plan)."""
        return self.next_attempt_at if self.status == PENDING else None


class PushStateRow(Base):
    """What a tracker has of one routine, so the next push updates it instead of duplicating."""

    __tablename__ = "push_states"

    installation_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("installations.id", ondelete="CASCADE"), primary_key=True
    )
    routine_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    remote_ids: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[dict] = mapped_column(JSON, default=dict)
    payload_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, onupdate=clock.now
    )


def get_for(session: Session, installation_id: str, push_id: str) -> PushRow | None:
    """The push, only when it belongs to this installation."""
    row = session.get(PushRow, push_id)
    return row if row is not None and row.installation_id == installation_id else None


def due(session: Session, now: datetime, stuck_before: datetime) -> list[PushRow]:
    """Pending pushes whose time has come, and running ones whose worker went quiet.

    A running push's ``updated_at`` is its lease: the worker renews it while it works
    (services/pushes.py), so one older than ``stuck_before`` has no live worker.
    """
    query = select(PushRow).where(
        or_(
            (PushRow.status == PENDING) & (PushRow.next_attempt_at <= now),
            (PushRow.status == RUNNING) & (PushRow.updated_at < stuck_before),
        )
    )
    return list(session.scalars(query))


def state(session: Session, installation_id: str, routine_id: str) -> PushStateRow | None:
    return session.get(PushStateRow, (installation_id, routine_id))


def states(session: Session, installation_id: str) -> list[PushStateRow]:
    return list(session.scalars(select(PushStateRow).where(PushStateRow.installation_id == installation_id)))


def open_pushes(session: Session, installation_id: str) -> list[PushRow]:
    """The installation's pushes not finished yet (pending or running)."""
    query = select(PushRow).where(
        PushRow.installation_id == installation_id, PushRow.status.in_((PENDING, RUNNING))
    )
    return list(session.scalars(query))


def installations_with_states(session: Session) -> list[InstallationRow]:
    """The installations a routine was ever delivered to, oldest first."""
    query = (
        select(InstallationRow)
        .where(InstallationRow.id.in_(select(PushStateRow.installation_id).distinct()))
        .order_by(InstallationRow.created_at)
    )
    return list(session.scalars(query))

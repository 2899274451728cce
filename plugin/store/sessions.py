"""Completed sessions, stored once per (installation, source, source id)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from plugin.store.installations import new_id
from plugin.store.tables import Base, utcnow


class SessionRow(Base):
    __tablename__ = "completed_sessions"
    # The idempotency key of the design: a source's own id is unique within an installation.
    __table_args__ = (UniqueConstraint("installation_id", "source", "source_id", name="uq_session_source"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    installation_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("installations.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[str] = mapped_column(String(200))
    routine_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    duration_s: Mapped[int] = mapped_column(Integer)
    exercises: Mapped[list] = mapped_column(JSON, default=list)
    pain: Mapped[int | None] = mapped_column(Integer, nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)  # pain at or above the stop level
    raw_json: Mapped[dict | list | None] = mapped_column(JSON, nullable=True)
    raw_bytes: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def by_source(session: Session, installation_id: str, source: str, source_id: str) -> SessionRow | None:
    query = select(SessionRow).where(
        SessionRow.installation_id == installation_id,
        SessionRow.source == source,
        SessionRow.source_id == source_id,
    )
    return session.scalars(query).first()


def get_for(session: Session, installation_id: str, session_id: str) -> SessionRow | None:
    row = session.get(SessionRow, session_id)
    return row if row is not None and row.installation_id == installation_id else None


def between(
    session: Session,
    installation_id: str,
    start: datetime | None,
    end: datetime | None,
    routine_id: str | None = None,
) -> list[SessionRow]:
    query = select(SessionRow).where(SessionRow.installation_id == installation_id)
    # Bounds in UTC: that is how started_at is stored (SQLite keeps no offset).
    if start is not None:
        query = query.where(SessionRow.started_at >= start.astimezone(UTC))
    if end is not None:
        query = query.where(SessionRow.started_at < end.astimezone(UTC))
    if routine_id is not None:
        query = query.where(SessionRow.routine_id == routine_id)
    return list(session.scalars(query.order_by(SessionRow.started_at)))

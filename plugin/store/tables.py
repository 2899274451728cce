"""SQLAlchemy 2 tables. Schema changes go through Alembic migrations beside this file."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from plugin import clock


def utc(value: datetime | None) -> datetime | None:
    """Read a stored time as aware UTC (SQLite hands back naive values)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class CustomRoutineRow(Base):
    """A user-built routine, stored as catalog exercise ids plus dose overrides.

    The exercises themselves (and so their cautions) always come from the catalog,
    which is why a custom routine cannot drop a caution.
    """

    __tablename__ = "custom_routines"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    spec: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)

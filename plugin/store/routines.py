"""Repository of custom routines."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.store.tables import CustomRoutineRow


def add(session: Session, routine_id: str, name: str, description: str, spec: dict) -> None:
    session.add(CustomRoutineRow(id=routine_id, name=name, description=description, spec=spec))


def get(session: Session, routine_id: str) -> CustomRoutineRow | None:
    return session.get(CustomRoutineRow, routine_id)


def all_rows(session: Session) -> list[CustomRoutineRow]:
    return list(session.scalars(select(CustomRoutineRow).order_by(CustomRoutineRow.created_at)))

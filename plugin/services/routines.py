"""Find built-in and custom routines; build and store custom ones."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.orm import Session

from plugin import catalog
from plugin.catalog.model import PROGRESSING, Progression, Routine, RoutineEntry
from plugin.errors import InvalidDose, InvalidInput, NotFound
from plugin.formats import wger as wger_format
from plugin.i18n import N_
from plugin.store import routines as repo

OVERRIDABLE = ("sets", "reps", "hold_s", "rest_s", "duration_s")


def build_routine(
    routine_id: str, name: str, description: str, items: list[dict[str, Any]], builtin: bool = False
) -> Routine:
    """Build a routine from catalog exercise ids, dose overrides and weekly progressions.

    Raises InvalidInput naming ``exercises.<i>.<field>`` for an unknown exercise or a bad dose.
    """
    entries = []
    for i, item in enumerate(items):
        try:
            exercise = catalog.exercise(item["exercise"])
        except NotFound:
            raise InvalidInput(
                N_("unknown exercise '{exercise}'"),
                field=f"exercises.{i}.exercise",
                values={"exercise": item["exercise"]},
            ) from None
        overrides = {k: item.get(k) for k in OVERRIDABLE}
        if overrides.get("duration_s") is not None and exercise.dose.duration_s is None:
            raise InvalidInput(
                N_("{exercise} is not continuous work; give hold_s instead"),
                field=f"exercises.{i}.duration_s",
                values={"exercise": exercise.id},
            )
        try:
            dose = exercise.dose.with_overrides(**overrides)
        except InvalidDose as err:
            raise InvalidInput(err.template, field=f"exercises.{i}.{err.field}", values=err.values) from None
        progression = Progression(
            **{
                name: tuple(steps)
                for name, steps in (item.get("progression") or {}).items()
                if name in PROGRESSING
            }
        )
        try:
            progression.check(dose)
        except InvalidDose as err:
            raise InvalidInput(err.message, field=f"exercises.{i}.progression.{err.field}") from None
        entries.append(RoutineEntry(exercise=exercise, dose=dose, progression=progression))
    return Routine(id=routine_id, name=name, description=description, entries=tuple(entries), builtin=builtin)


def list_routines(session: Session) -> list[Routine]:
    """Built-in routines first, then custom ones in the order they were made."""
    custom = [_from_row(row) for row in repo.all_rows(session)]
    return [*catalog.builtin_routines(), *custom]


def get_routine(session: Session, routine_id: str) -> Routine:
    """A built-in or custom routine; NotFound otherwise."""
    routine = catalog.builtin_routine(routine_id)
    if routine is not None:
        return routine
    row = repo.get(session, routine_id)
    if row is None:
        raise NotFound(N_("no routine '{routine}'"), field="id", values={"routine": routine_id})
    return _from_row(row)


def check_routine_ids(session: Session, routine_ids: list[str], field: str = "routines") -> list[Routine]:
    """The routines with these ids; InvalidInput naming ``<field>.<i>`` for the first unknown one."""
    found = []
    for i, routine_id in enumerate(routine_ids):
        try:
            found.append(get_routine(session, routine_id))
        except NotFound:
            raise InvalidInput(
                N_("unknown routine '{routine}'"), field=f"{field}.{i}", values={"routine": routine_id}
            ) from None
    return found


def create_routine(session: Session, name: str, description: str, items: list[dict[str, Any]]) -> Routine:
    """Validate and store a custom routine; nothing is stored when it is invalid.

    A routine a tracker cannot take whole is refused here, not at push time: the
    InvalidRoutine names the field and the tracker (docs/wger.md#what-is-refused).
    """
    routine_id = "custom-" + secrets.token_hex(6)
    routine = build_routine(routine_id, name, description, items)
    wger_format.check(routine)
    spec = {"exercises": [{k: v for k, v in item.items() if v is not None} for item in items]}
    repo.add(session, routine_id, name, description, spec)
    return routine


def _from_row(row: Any) -> Routine:
    return build_routine(row.id, row.name, row.description, row.spec["exercises"])

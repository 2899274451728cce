"""The domain: the canonical model and the built-in catalog."""

from __future__ import annotations

from plugin.catalog.builtin import EXERCISES, ROUTINES
from plugin.catalog.model import Exercise, Routine
from plugin.errors import NotFound
from plugin.i18n import N_

_EXERCISES = {ex.id: ex for ex in EXERCISES}
_ROUTINES = {r.id: r for r in ROUTINES}


def exercises() -> tuple[Exercise, ...]:
    """Every exercise of the catalog, in catalog order."""
    return EXERCISES


def exercise(exercise_id: str) -> Exercise:
    """The catalog exercise with this id; NotFound otherwise."""
    try:
        return _EXERCISES[exercise_id]
    except KeyError:
        raise NotFound(N_("no exercise '{exercise}'"), field="id", values={"exercise": exercise_id}) from None


def builtin_routines() -> tuple[Routine, ...]:
    return ROUTINES


def builtin_routine(routine_id: str) -> Routine | None:
    return _ROUTINES.get(routine_id)

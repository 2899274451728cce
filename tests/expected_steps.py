"""What a watch should walk a person through, derived from the model alone.

Shared by the FIT and Garmin JSON tests; it deliberately does not use
plugin.formats.workout_steps, so a mapping bug there cannot hide here.
"""

from __future__ import annotations

from dataclasses import dataclass

from plugin.catalog.model import DoseKind, Exercise, Routine


@dataclass(frozen=True)
class Performed:
    """One step as it is done, after every repeat is unrolled."""

    intensity: str  # "active" | "rest"
    exercise: Exercise
    side: str | None
    seconds: int | None = None
    reps: int | None = None


def performed(routine: Routine) -> list[Performed]:
    """Every set, side and rep in order: work, then its rest (counted reps are one step)."""
    out: list[Performed] = []
    for entry in routine.entries:
        dose, ex = entry.dose, entry.exercise
        for _set in range(dose.sets):
            for side in dose.sides:
                if dose.kind is DoseKind.COUNTED:
                    out.append(Performed("active", ex, side, reps=dose.reps))
                    if dose.rest_s:
                        out.append(Performed("rest", ex, side, seconds=dose.rest_s))
                    continue
                for _rep in range(dose.reps):
                    out.append(Performed("active", ex, side, seconds=dose.work_s))
                    if dose.rest_s:
                        out.append(Performed("rest", ex, side, seconds=dose.rest_s))
    return out


def has_counted(routine: Routine) -> bool:
    return any(entry.dose.kind is DoseKind.COUNTED for entry in routine.entries)

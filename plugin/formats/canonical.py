"""The canonical JSON of the model: what the API returns and `export/json` writes."""

from __future__ import annotations

import json
from typing import Any

from plugin.catalog.model import Caution, Dose, Exercise, Frequency, Routine, RoutineEntry
from plugin.formats.text import entry_dose_phrase

MEDIA_TYPE = "application/json"
EXTENSION = "json"


def caution_dict(caution: Caution, exercise_ids: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": caution.id,
        "kind": caution.kind.value,
        "text": caution.text,
        "short": caution.short,
    }
    if exercise_ids is not None:
        out["exercises"] = exercise_ids
    return out


def dose_dict(dose: Dose) -> dict[str, Any]:
    return {
        "kind": dose.kind.value,
        "sets": dose.sets,
        "reps": dose.reps,
        "reps_range": list(dose.reps_range) if dose.reps_range else None,
        "hold_s": dose.hold_s,
        "hold_range_s": list(dose.hold_range_s) if dose.hold_range_s else None,
        "per_side": dose.per_side,
        "sides": [s for s in dose.sides if s],
        "rest_s": dose.rest_s,
        "duration_s": dose.duration_s,
        "contract_s": dose.contract_s,
        "effort_pct": list(dose.effort_pct) if dose.effort_pct else None,
        "tempo_s": dose.tempo_s,
        "assumed": list(dose.assumed),
        "total_s": dose.seconds if dose.kind.value != "open" else None,
    }


def frequency_dict(frequency: Frequency) -> dict[str, Any]:
    return {
        "per_day_min": frequency.per_day_min,
        "per_day_max": frequency.per_day_max,
        "text": frequency.text,
    }


def exercise_dict(ex: Exercise) -> dict[str, Any]:
    return {
        "id": ex.id,
        "name": ex.name,
        "focus": ex.focus.value,
        "position": ex.position,
        "equipment": list(ex.equipment),
        "steps": list(ex.steps),
        "dose": dose_dict(ex.dose),
        "variations": list(ex.variations),
        "variation_per_set": ex.variation_per_set,
        "cue": ex.cue,
        "alternative_to": ex.alternative_to,
        "cautions": [caution_dict(c) for c in ex.cautions],
        "frequency": frequency_dict(ex.frequency),
        "source": ex.source,
    }


def entry_dict(entry: RoutineEntry) -> dict[str, Any]:
    return {
        "exercise": exercise_dict(entry.exercise),
        "dose": dose_dict(entry.dose),
        "dose_text": entry_dose_phrase(entry),
        "duration_s": entry.seconds,
    }


def routine_dict(routine: Routine) -> dict[str, Any]:
    return {
        "id": routine.id,
        "name": routine.name,
        "description": routine.description,
        "focus": routine.focus.value,
        "builtin": routine.builtin,
        "duration_s": routine.duration_s,
        "frequency": frequency_dict(routine.frequency),
        "equipment": list(routine.equipment),
        "cautions": [
            caution_dict(c, [e.exercise.id for e in routine.entries if c in e.exercise.cautions])
            for c in routine.cautions
        ],
        "exercises": [entry_dict(e) for e in routine.entries],
    }


def export(routine: Routine) -> bytes:
    """The routine as canonical JSON bytes, stable for golden files."""
    return (json.dumps(routine_dict(routine), indent=2, ensure_ascii=False) + "\n").encode("utf-8")

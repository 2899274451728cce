"""Hevy public API v1: a routine as a ``POST /v1/routines`` body, and workouts back as sessions.

Hevy has no field for sides, cautions or holds beyond ``duration_seconds``
(docs/hevy.md#routine-bodies), so:

- the routine's cautions open ``routine.notes``, contraindications first;
- work done on each leg becomes two exercises, left then right, each with its
  own notes naming the side;
- every exercise's notes carry its dose phrase, cue and its own cautions;
- a hold, a contract-relax push or a continuous block is one set per rep with
  ``duration_seconds`` (a ``duration`` template); counted work is one set per
  set with ``reps`` (a ``reps_only`` template). Only the field the template's
  type takes is set; the others are null.

Template ids belong to the user's Hevy account. ``export`` (the file served by
``/routines/<id>/export/hevy``) writes the documented placeholder
``stretchsync:<exercise-id>`` instead; the Hevy client replaces each with the
id of a fitting template found or created in the account.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from plugin.catalog.model import (
    CompletedSession,
    DoseKind,
    ExerciseDone,
    Focus,
    Routine,
    RoutineEntry,
)
from plugin.errors import InvalidInput
from plugin.formats.text import entry_note_lines, logged_sets_per_set, notes_lines, side_labels_everywhere
from plugin.formats.timestamps import parse_aware

MEDIA_TYPE = "application/json"
EXTENSION = "json"

DURATION = "duration"  # CustomExerciseType: the set takes duration_seconds only
REPS_ONLY = "reps_only"  # CustomExerciseType: the set takes reps only

PLACEHOLDER_PREFIX = "stretchsync:"
# (template id → exercise id, casefolded template title → exercise id)
ExerciseIds = tuple[Mapping[str, str], Mapping[str, str]]
MARKER_PREFIX = "stretchsync routine "

# MuscleGroup enum values of CreateCustomExerciseRequestBody (docs/hevy.md#exercise-templates).
MUSCLE_GROUP = {Focus.HAMSTRING: "hamstrings", Focus.TRUNK: "abdominals", Focus.MIXED: "full_body"}
OTHER_MUSCLES = {Focus.HAMSTRING: ["lower_back"], Focus.TRUNK: ["lower_back"], Focus.MIXED: []}


def placeholder_id(exercise_id: str) -> str:
    """The documented stand-in for a template id that only the user's account knows."""
    return f"{PLACEHOLDER_PREFIX}{exercise_id}"


def marker(routine: Routine) -> str:
    """The last line of the routine notes: how we recognise our routine in a listing."""
    return f"[{MARKER_PREFIX}{routine.id}]"


def template_type(entry: RoutineEntry) -> str:
    """The Hevy exercise type a template needs for this entry's sets."""
    return REPS_ONLY if entry.dose.kind is DoseKind.COUNTED else DURATION


def template_request(entry: RoutineEntry) -> dict[str, Any]:
    """The ``POST /v1/exercise_templates`` body for a custom template fitting this entry."""
    ex = entry.exercise
    return {
        "exercise": {
            "title": ex.name,
            "exercise_type": template_type(entry),
            "equipment_category": "none",
            "muscle_group": MUSCLE_GROUP[ex.focus],
            "other_muscles": OTHER_MUSCLES[ex.focus],
        }
    }


def clean_note(text: str) -> str:
    """Replace '@', which Hevy is reported to reject with a silent 400 (docs/hevy.md#unconfirmed)."""
    return text.replace("@", " at ")


def routine_notes(routine: Routine) -> str:
    """Cautions first, then what the routine is for, then our marker."""
    lines = notes_lines(routine)
    lines += ["", routine.description, marker(routine)]
    return clean_note("\n".join(lines))


def exercise_notes(entry: RoutineEntry, side: str | None) -> str:
    """Side, dose, per-set foot position, cue and this exercise's own cautions."""
    return clean_note("\n".join(entry_note_lines(entry, side)))


def hevy_set(duration_s: int | None = None, reps: int | None = None, rep_range: Any = None) -> dict[str, Any]:
    """One PostRoutinesRequestSet with every documented key; unused ones null."""
    return {
        "type": "normal",
        "weight_kg": None,
        "reps": reps,
        "distance_meters": None,
        "duration_seconds": duration_s,
        "custom_metric": None,
        "rep_range": rep_range,
    }


def hevy_sets(entry: RoutineEntry) -> list[dict[str, Any]]:
    """The sets of one side: a timed set per rep (holds), or one counted set per set."""
    dose = entry.dose
    if dose.kind is DoseKind.COUNTED:
        rep_range = None
        if dose.reps_range and dose.reps_range[0] != dose.reps_range[1]:
            rep_range = {"start": dose.reps_range[0], "end": dose.reps_range[1]}
        return [hevy_set(reps=dose.reps, rep_range=rep_range) for _ in range(dose.sets)]
    return [hevy_set(duration_s=dose.work_s) for _ in range(dose.sets * logged_sets_per_set(dose))]


def routine_exercises(routine: Routine, template_ids: Mapping[str, str]) -> list[dict[str, Any]]:
    """One Hevy exercise per entry, or two (left, right) for work done on each leg."""
    out = []
    for entry in routine.entries:
        template_id = template_ids.get(entry.exercise.id, placeholder_id(entry.exercise.id))
        for side in entry.dose.sides:
            out.append(
                {
                    "exercise_template_id": template_id,
                    "superset_id": None,
                    "rest_seconds": entry.dose.rest_s,
                    "notes": exercise_notes(entry, side),
                    "sets": hevy_sets(entry),
                }
            )
    return out


def routine_body(routine: Routine, template_ids: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The PostRoutinesRequestBody, wrapped in "routine" as Hevy requires (docs/hevy.md#routine-bodies)."""
    return {
        "routine": {
            "title": routine.name,
            "folder_id": None,
            "notes": routine_notes(routine),
            "exercises": routine_exercises(routine, template_ids or {}),
        }
    }


def update_body(routine: Routine, template_ids: Mapping[str, str]) -> dict[str, Any]:
    """The PutRoutinesRequestBody: the same as the POST body without ``folder_id``."""
    body = routine_body(routine, template_ids)
    del body["routine"]["folder_id"]
    return body


def export(routine: Routine) -> bytes:
    """The POST /v1/routines body with placeholder template ids, as stable JSON bytes."""
    return (json.dumps(routine_body(routine), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# --- completed sessions ------------------------------------------------------


def side_from_notes(notes: Any) -> str | None:
    """The side our exercise notes name first ('Left leg …'), if any."""
    if isinstance(notes, str):
        for side, label in side_labels_everywhere():
            if notes.startswith(label):
                return side
    return None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def exercise_id_of(exercise: Mapping[str, Any], exercise_ids: ExerciseIds) -> str | None:
    """Our exercise id for a workout exercise: by its template id, else by its title; None if unknown."""
    by_template, by_title = exercise_ids
    template_id = str(exercise.get("exercise_template_id") or "")
    if template_id in by_template:
        return by_template[template_id]
    return by_title.get(str(exercise.get("title") or "").casefold())


def exercise_done(exercise: Mapping[str, Any], exercise_id: str) -> ExerciseDone:
    """One workout exercise as done: sets, reps, the hold of its sets and the time under stretch."""
    sets = [s for s in exercise.get("sets") or [] if isinstance(s, Mapping)]
    durations = [int(s["duration_seconds"]) for s in sets if _number(s.get("duration_seconds"))]
    reps = [int(s["reps"]) for s in sets if _number(s.get("reps"))]
    return ExerciseDone(
        exercise_id=exercise_id,
        sets=len(sets),
        reps=max(reps) if reps else None,
        hold_s=max(durations) if durations else None,
        duration_s=sum(durations) if durations else None,
        side=side_from_notes(exercise.get("notes")),
    )


def parse_workout(
    workout: Any, routine_id: str | None, exercise_ids: ExerciseIds = ({}, {})
) -> CompletedSession:
    """A Hevy ``Workout`` as a completed session keyed by the workout id (docs/hevy.md#completed-workouts).

    ``exercise_ids`` is (template id → exercise id, casefolded title → exercise
    id). Exercises that map to none of ours (added by the user in the app) are
    left out of ``exercises``; the session itself still counts.
    """
    if not isinstance(workout, Mapping):
        raise InvalidInput("a workout must be an object", field="workout")
    workout_id = workout.get("id")
    if not isinstance(workout_id, str) or not workout_id:
        raise InvalidInput("a workout needs its id", field="workout.id")
    started = parse_aware(workout.get("start_time"), "workout.start_time")
    ended = parse_aware(workout.get("end_time"), "workout.end_time")
    exercises = workout.get("exercises") or []
    if not isinstance(exercises, list):
        raise InvalidInput("workout.exercises must be a list", field="workout.exercises")
    done = []
    for exercise in exercises:
        exercise_id = exercise_id_of(exercise, exercise_ids) if isinstance(exercise, Mapping) else None
        if exercise_id is not None:
            done.append(exercise_done(exercise, exercise_id))
    return CompletedSession(
        source="hevy",
        source_id=workout_id,
        routine_id=routine_id,
        started_at=started,
        duration_s=max(0, int((ended - started).total_seconds())),
        exercises=tuple(done),
        notes=str(workout.get("description") or ""),
    )


@dataclass(frozen=True)
class EventsPage:
    """One page of ``GET /v1/workouts/events``."""

    events: list[tuple[str, Any]]  # in Hevy's order, newest first: ("updated", Workout) or ("deleted", id)
    page_count: int
    latest: datetime | None  # the newest updated_at / deleted_at on the page

    @property
    def updated(self) -> list[Mapping[str, Any]]:
        return [payload for kind, payload in self.events if kind == "updated"]

    @property
    def deleted(self) -> list[str]:
        return [payload for kind, payload in self.events if kind == "deleted"]


def parse_events(payload: Any) -> EventsPage:
    """A PaginatedWorkoutEvents page (docs/hevy.md#completed-workouts); InvalidInput names the bad event."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("events"), list):
        raise InvalidInput("a workout events page needs an events list", field="events")
    page_count = payload.get("page_count", 1)
    if not isinstance(page_count, int) or isinstance(page_count, bool):
        raise InvalidInput("page_count must be an integer", field="page_count")
    events: list[tuple[str, Any]] = []
    times: list[datetime] = []
    for n, event in enumerate(payload["events"]):
        kind = event.get("type") if isinstance(event, Mapping) else None
        if kind == "updated" and isinstance(event.get("workout"), Mapping):
            events.append(("updated", event["workout"]))
            stamp = event["workout"].get("updated_at")
        elif kind == "deleted" and isinstance(event.get("id"), str) and event["id"]:
            events.append(("deleted", event["id"]))
            stamp = event.get("deleted_at")
        else:
            raise InvalidInput(f"event {n} is neither an updated workout nor a deletion", field=f"events.{n}")
        if stamp is not None:
            times.append(parse_aware(stamp, f"events.{n}"))
    return EventsPage(events, page_count, max(times) if times else None)

"""wger's workout sessions and their logs read back as our CompletedSessions.

Once or twice a day. wger keeps one workout session per user and day (2.1; per
routine and day from 2.3), so both bouts of a twice-a-day plan are logged in
one wger session, and a wger session counts as **one** completed session;
the day description and the workout description say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from plugin.catalog import exercises as catalog_exercises
from plugin.catalog.model import CompletedSession, ExerciseDone
from plugin.formats.wger.api import MINUTES, REPETITIONS, SECONDS, SOURCE

_NAMES = sorted(((ex.name, ex.id) for ex in catalog_exercises()), key=lambda p: -len(p[0]))


def exercise_for_comment(comment: str) -> str | None:
    """Our exercise id from a setting/slot-entry comment we wrote (it starts with the name)."""
    for name, exercise_id in _NAMES:
        if comment.startswith(name):
            return exercise_id
    return None


@dataclass
class PlannedExercise:
    exercise_id: str
    wger_exercise: int
    sets: int
    side: str | None = None
    logs: list[dict[str, Any]] = field(default_factory=list)


def planned_from_canonical(canonical: dict[str, Any]) -> list[PlannedExercise]:
    """Our exercises in a 2.1 workout, read from its canonical representation, in order."""
    planned = []
    for day in canonical.get("day_list", []):
        for set_ in day.get("set_list", []):
            settings = [s for ex in set_.get("exercise_list", []) for s in ex.get("setting_obj_list", [])]
            for setting in settings[:1]:
                exercise_id = exercise_for_comment(setting.get("comment") or "")
                if exercise_id:
                    planned.append(
                        PlannedExercise(
                            exercise_id,
                            int(setting["exercise_base"]),
                            max(int(set_["obj"]["sets"]), len(settings)),
                        )
                    )
    return planned


def planned_from_entries(entries: Sequence[dict[str, Any]]) -> list[PlannedExercise]:
    """Our exercises in a 2.3+ routine, from its slot entries (one per exercise and side)."""
    planned = []
    for entry in entries:
        exercise_id = exercise_for_comment(entry.get("comment") or "")
        if exercise_id:
            planned.append(PlannedExercise(exercise_id, int(entry["exercise"]), 1))
    return planned


def _log_order(log: dict[str, Any]) -> tuple[int, int, str]:
    """Logs in the order they were made: int ids by value (2.1–2.5), UUIDv7 ids as text (2.6+)."""
    ident = str(log.get("id", ""))
    return (0, int(ident), "") if ident.isdigit() else (1, 0, ident)


def attribute_logs(
    logs: Sequence[dict[str, Any]], planned: Sequence[PlannedExercise], exercise_key: str
) -> list[PlannedExercise]:
    """Give each log to one of our exercises ("wger:<id>" for one not in the workout).

    Where one wger exercise stands in for several of ours (the stand-in rule
    above), logs of it are handed out in routine order, each of ours taking
    as many as it has sets; the last one takes any surplus.
    """
    slots = [PlannedExercise(p.exercise_id, p.wger_exercise, p.sets) for p in planned]
    for log in sorted(logs, key=_log_order):
        wger_id = int(log[exercise_key])
        mine = [s for s in slots if s.wger_exercise == wger_id]
        if not mine:
            # Done in the session but not in our workout: kept as "wger:<their id>", never dropped.
            mine = [PlannedExercise(f"{SOURCE}:{wger_id}", wger_id, 0)]
            slots.append(mine[0])
        target = next((s for s in mine if len(s.logs) < s.sets), mine[-1])
        target.logs.append(log)
    return slots


def _done(
    slots: Sequence[PlannedExercise], units: dict[int, str], reps_key: str, unit_key: str
) -> tuple[ExerciseDone, ...]:
    merged: dict[str, list[dict[str, Any]]] = {}
    for slot in slots:
        if slot.logs:
            merged.setdefault(slot.exercise_id, []).extend(slot.logs)
    done = []
    for exercise_id, logs in merged.items():
        seconds = [round(float(lg[reps_key])) for lg in logs if units.get(int(lg[unit_key])) == SECONDS]
        minutes = [round(float(lg[reps_key])) for lg in logs if units.get(int(lg[unit_key])) == MINUTES]
        reps = [round(float(lg[reps_key])) for lg in logs if units.get(int(lg[unit_key])) == REPETITIONS]
        done.append(
            ExerciseDone(
                exercise_id=exercise_id,
                sets=len(logs),
                reps=max(reps) if reps else None,
                hold_s=max(seconds) if seconds else None,
                duration_s=sum(m * 60 for m in minutes) or None,
            )
        )
    return tuple(done)


def _duration(
    start: str | None,
    end: str | None,
    logs: Sequence[dict[str, Any]],
    units: dict[int, str],
    reps_key: str,
    unit_key: str,
) -> int:
    if start and end:
        a, b = time.fromisoformat(start), time.fromisoformat(end)
        return max(0, (b.hour * 3600 + b.minute * 60 + b.second) - (a.hour * 3600 + a.minute * 60 + a.second))
    per_unit = {SECONDS: 1, MINUTES: 60}
    return sum(round(float(lg[reps_key])) * per_unit.get(units.get(int(lg[unit_key]), ""), 0) for lg in logs)


def completed_session(
    session: dict[str, Any],
    logs: Sequence[dict[str, Any]],
    planned: Sequence[PlannedExercise],
    routine_id: str | None,
    units: dict[int, str],
    *,
    generation: str = "2.1",
) -> CompletedSession:
    """One wger workout session and its logs as our CompletedSession.

    ``units`` maps wger's repetition unit ids to their names. The session's id
    (an int up to 2.5, a UUID from 2.6) is kept as a string: the idempotency key.
    Without start and end times the duration is the seconds logged.
    """
    if generation == "2.1":
        exercise_key, reps_key, unit_key = "exercise_base", "reps", "repetition_unit"
    else:
        exercise_key, reps_key, unit_key = "exercise", "repetitions", "repetitions_unit"
    slots = attribute_logs(logs, planned, exercise_key)
    day = date.fromisoformat(str(session["date"])[:10])
    start = time.fromisoformat(session["time_start"]) if session.get("time_start") else time(0)
    return CompletedSession(
        source=SOURCE,
        source_id=str(session["id"]),
        routine_id=routine_id,
        started_at=datetime.combine(day, start, tzinfo=UTC),
        duration_s=_duration(
            session.get("time_start"), session.get("time_end"), logs, units, reps_key, unit_key
        ),
        exercises=_done(slots, units, reps_key, unit_key),
        notes=session.get("notes") or "",
    )

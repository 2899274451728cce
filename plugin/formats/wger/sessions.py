"""wger's workout sessions and their logs read back as our CompletedSessions.

wger keeps one workout session per user and day (2.1; per routine and day from
2.3), so every bout of a day, of every routine, is logged in that one session.
A session therefore becomes the completed sessions it stands for, one per
**bout** (docs/wger.md#sessions-back):

* by routine: a log belongs to the routine of the workout (2.1) or routine
  (2.3+) it was logged in;
* by pass: in the order they were made, a log of an exercise that already has
  all its planned sets in the current bout starts the next bout; 2.3+ logs carry
  a time, and a gap of ``BOUT_GAP`` or more between two logs starts one too;
* by time: wger's dates and times are local wall-clock time, read in the
  installation's timezone. The bouts of a day take the plan's times in order;
  the session's ``time_start`` is the real start of the bout planned nearest to
  it, and (with several bouts) its ``time_end`` the real end of the bout planned
  nearest to that. Without a plan the session's own times are the slots, and
  without times either a bout is placed at noon: always on its own day.

Each bout's ``source_id`` is ``<session id>:<routine id>:<n>`` (the date stands
for the session id when a day has logs but no session), so a re-read updates
rather than duplicates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from typing import Any

from plugin.catalog import exercises as catalog_exercises
from plugin.catalog.model import CompletedSession, ExerciseDone, Plan
from plugin.formats.wger.api import MINUTES, REPETITIONS, SECONDS, SOURCE
from plugin.i18n import LANGUAGES, language


@cache
def _names() -> list[tuple[str, str]]:
    # Every exercise's name in every language, longest first: a comment may be in any of them.
    pairs = {(language(code).gettext(ex.name), ex.id) for code in LANGUAGES for ex in catalog_exercises()}
    return sorted(pairs, key=lambda p: (-len(p[0]), p))


def exercise_for_comment(comment: str) -> str | None:
    """Our exercise id from a setting/slot-entry comment we wrote (it starts with the name)."""
    for name, exercise_id in _names():
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


@dataclass(frozen=True)
class LogKeys:
    """Where a log keeps its exercise, amount and unit in one API generation."""

    exercise: str
    reps: str
    unit: str


KEYS = {
    "2.1": LogKeys("exercise_base", "reps", "repetition_unit"),
    "2.3": LogKeys("exercise", "repetitions", "repetitions_unit"),
}
BOUT_GAP = timedelta(hours=1)  # 2.3+ logs this far apart belong to different bouts
NOON = time(12, 0)  # where a bout with no time at all is placed: its own day in any timezone


def usable_logs(logs: Sequence[dict[str, Any]], generation: str = "2.1") -> list[dict[str, Any]]:
    """The logs that say how much was done: wger 2.3+ allows ``repetitions: null``; those are skipped."""
    keys = KEYS[generation]
    return [lg for lg in logs if lg.get(keys.reps) is not None and lg.get(keys.exercise) is not None]


def _amount(log: dict[str, Any], keys: LogKeys) -> int:
    return round(float(log[keys.reps]))


def _done(slots: Sequence[PlannedExercise], units: dict[int, str], keys: LogKeys) -> tuple[ExerciseDone, ...]:
    merged: dict[str, list[dict[str, Any]]] = {}
    for slot in slots:
        if slot.logs:
            merged.setdefault(slot.exercise_id, []).extend(slot.logs)
    done = []
    for exercise_id, logs in merged.items():

        def amounts(unit: str, logs: list[dict[str, Any]] = logs) -> list[int]:
            return [_amount(lg, keys) for lg in logs if units.get(int(lg[keys.unit] or 0)) == unit]

        seconds, minutes, reps = amounts(SECONDS), amounts(MINUTES), amounts(REPETITIONS)
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


def _logged_seconds(logs: Sequence[dict[str, Any]], units: dict[int, str], keys: LogKeys) -> int:
    per_unit = {SECONDS: 1, MINUTES: 60}
    return sum(_amount(lg, keys) * per_unit.get(units.get(int(lg[keys.unit] or 0), ""), 0) for lg in logs)


def logged_at(log: dict[str, Any], zone: tzinfo) -> datetime | None:
    """When a 2.3+ log was made (its ``date`` is a datetime); None for a 2.1 log (a date only)."""
    text = str(log.get("date") or "")
    if "T" not in text:
        return None
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return at if at.tzinfo else at.replace(tzinfo=zone)  # a naive time is wall-clock time


def split_bouts(
    logs: Sequence[dict[str, Any]],
    planned: Sequence[PlannedExercise],
    zone: tzinfo,
    generation: str = "2.1",
) -> list[list[dict[str, Any]]]:
    """One routine's logs of one day cut into bouts (passes through the routine), in order made."""
    keys = KEYS[generation]
    per_pass: dict[int, int] = {}
    for p in planned:
        per_pass[p.wger_exercise] = per_pass.get(p.wger_exercise, 0) + max(1, p.sets)

    def order(log: dict[str, Any]) -> tuple[datetime, tuple[int, int, str]]:
        return (logged_at(log, zone) or datetime.min.replace(tzinfo=UTC), _log_order(log))

    bouts: list[list[dict[str, Any]]] = []
    counts: dict[int, int] = {}
    last: datetime | None = None
    for log in sorted(logs, key=order):
        wger_id = int(log[keys.exercise])
        at = logged_at(log, zone)
        full = wger_id in per_pass and counts.get(wger_id, 0) >= per_pass[wger_id]
        apart = at is not None and last is not None and at - last >= BOUT_GAP
        if not bouts or full or apart:
            bouts.append([])
            counts = {}
        bouts[-1].append(log)
        counts[wger_id] = counts.get(wger_id, 0) + 1
        last = at or last
    return bouts


def _seconds_of_day(at: time) -> int:
    return at.hour * 3600 + at.minute * 60 + at.second


def _nearest(slots: Sequence[time], at: time) -> int:
    return min(range(len(slots)), key=lambda i: abs(_seconds_of_day(slots[i]) - _seconds_of_day(at)))


def _time(value: Any) -> time | None:
    return time.fromisoformat(str(value)) if value else None


def place_bouts(
    day: date,
    durations: Sequence[int],
    zone: tzinfo,
    plan: Plan | None,
    time_start: time | None,
    time_end: time | None,
) -> list[tuple[datetime, int]]:
    """Each bout's start (aware, on ``day`` in ``zone``) and duration in seconds.

    The bouts take the plan's times of day in order (the last time takes any
    surplus); the session's ``time_start`` is the real start of the bout whose
    planned time is nearest to it, and with several bouts ``time_end`` the real
    end of the bout nearest to that. A single bout with both times lasts
    ``time_end − time_start``; otherwise a bout lasts the seconds logged in it.
    """
    if plan is not None and plan.times:
        slots = sorted(set(plan.times))
    else:
        slots = [t for t in (time_start, time_end) if t is not None] or [NOON]
    planned = [slots[min(i, len(slots) - 1)] for i in range(len(durations))]
    starts = [datetime.combine(day, at, tzinfo=zone) for at in planned]
    lengths = list(durations)
    if time_start is not None and planned:
        first = _nearest(planned, time_start)
        starts[first] = datetime.combine(day, time_start, tzinfo=zone)
        if len(planned) == 1 and time_end is not None:
            lengths[0] = max(0, _seconds_of_day(time_end) - _seconds_of_day(time_start))
        elif time_end is not None:
            last = _nearest(planned, time_end)
            if last != first:
                end = datetime.combine(day, time_end, tzinfo=zone)
                midnight = datetime.combine(day, time(0), tzinfo=zone)
                starts[last] = max(midnight, end - timedelta(seconds=lengths[last]))
    return list(zip(starts, lengths, strict=True))


def completed_sessions(
    day: date,
    session: dict[str, Any] | None,
    logs: Sequence[dict[str, Any]],
    planned: Sequence[PlannedExercise],
    routine_id: str,
    units: dict[int, str],
    zone: tzinfo,
    plan: Plan | None = None,
    *,
    generation: str = "2.1",
) -> list[CompletedSession]:
    """One routine's part of a wger day (the session, the routine's logs): a CompletedSession per bout.

    ``units`` maps wger's repetition unit ids to their names. A session without
    logs of the routine is one bout with nothing logged (the session says it was
    done). The session's id (an int up to 2.5, a UUID from 2.6) is kept as text.
    """
    keys = KEYS[generation]
    logs = usable_logs(logs, generation)
    bouts = split_bouts(logs, planned, zone, generation) or [[]]
    session = session or {}
    placed = place_bouts(
        day,
        [_logged_seconds(bout, units, keys) for bout in bouts],
        zone,
        plan,
        _time(session.get("time_start")),
        _time(session.get("time_end")),
    )
    session_key = str(session["id"]) if session.get("id") is not None else day.isoformat()
    out = []
    for n, (bout, (start, duration)) in enumerate(zip(bouts, placed, strict=True), start=1):
        if session.get("time_start") is None:
            # 2.3+ logs carry their time: the bout began with its first log, if that was on this day.
            made = [at for at in (logged_at(lg, zone) for lg in bout) if at is not None]
            if made and min(made).astimezone(zone).date() == day:
                start = min(made).astimezone(zone)
        slots = attribute_logs(bout, planned, keys.exercise)
        out.append(
            CompletedSession(
                source=SOURCE,
                source_id=f"{session_key}:{routine_id}:{n}",
                routine_id=routine_id,
                started_at=start.astimezone(UTC),
                duration_s=duration,
                exercises=_done(slots, units, keys),
                notes=session.get("notes") or "",
            )
        )
    return out

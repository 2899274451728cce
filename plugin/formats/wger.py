"""wger: a routine as the requests wger's REST API needs, and wger's sessions back as ours.

Pure: no HTTP here. The tracker (``plugin.trackers.wger``) sends the requests in
order, resolving the placeholders (ids of objects made by earlier requests,
wger's own exercise ids, repetition units looked up by name).

Two API generations (docs/wger.md):

* **wger ≤ 2.2** (``workout_requests``): workout → day → one set per exercise
  and side → setting(s). A hold is ``repetition_unit`` "Seconds" with
  ``reps`` = hold seconds; each hold of a set is one wger set, so
  ``sets`` = sets × reps when that fits wger's 0–10 (otherwise ``sets`` and
  the comment says how many holds). Continuous work over 600 s (the ``reps``
  limit) is given in "Minutes". Contract-relax pushes are counted reps. An
  exercise whose sets each use another foot position gets one setting per
  set (wger shows several settings as consecutive sets). 2.1 has no rest
  field: rest is written in the set comment (docs/wger.md#workout-api-21).
* **wger ≥ 2.3** (``routine_requests``): routine → day(s) → one slot per
  exercise and side → slot entry (type ``iso`` for holds and contract-relax
  pushes) → sets-, repetitions- and rest-config from iteration 1. There are no
  weekdays in that API, so a plan on some weekdays becomes seven days
  Monday…Sunday with ``is_rest`` on the others and the routine starts on a
  Monday; every day of the week is one day that repeats. The routine runs
  12 weeks (wger 2.6 rejects spans over 120 days).

Text and its limits. Every field is filled from pieces of text in reading
order; a piece that does not fit (with all that follow it) continues in the
next wider field up: setting / slot-entry comment (100) → set / slot comment
(200) → workout / routine description (1000); the day description (2.1, 100,
it is the day's name) and the names (workout 100; routine 25, day 20) also
overflow into the description. The description holds every caution of the
routine in full, contraindications first, then what overflowed, then a line
naming the routine (``stretchsync routine: <id>``) by which a workout whose
id was lost is found again; what is only nice to have (the routine's own
description, its length and frequency) is added while room is left. If even
the must-have text exceeds 1000 characters the routine cannot go to wger
without losing a caution, and InvalidRoutine is raised. Every set / slot
comment also carries the exercise's key caution (its first, most serious one,
in short).

Once or twice a day. wger keeps one workout session per user and day (2.1; per
routine and day from 2.3), so both bouts of a twice-a-day plan are logged in
one wger session, and a wger session counts as **one** completed session;
the day description and the workout description say so.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from plugin.catalog import exercises as catalog_exercises
from plugin.catalog.model import (
    WEEKDAYS,
    CompletedSession,
    DoseKind,
    Exercise,
    ExerciseDone,
    Focus,
    Plan,
    Routine,
    RoutineEntry,
    ordered_cautions,
)
from plugin.errors import InvalidRoutine
from plugin.formats.text import caution_lines, entry_dose_phrase, seconds_phrase

MEDIA_TYPE = "application/json"
EXTENSION = "json"

SOURCE = "wger"
MARKER = "stretchsync routine:"

# Repetition units are looked up by name: pks may differ per server (docs/wger.md#repetition-units).
REPETITIONS = "Repetitions"
SECONDS = "Seconds"
MINUTES = "Minutes"

# 2.1 fixture days_of_week.json: 1 = Monday … 7 = Sunday.
WEEKDAY_PK = {day: n for n, day in enumerate(WEEKDAYS, start=1)}
WEEKDAY_NAME = dict(
    zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"), strict=True)
)


@dataclass(frozen=True)
class Limits:
    """Field sizes and value ranges of one API generation (docs/wger.md#text-limits)."""

    name: int
    day_name: int
    description: int
    block_comment: int  # 2.1 set.comment, 2.3 slot.comment
    step_comment: int  # 2.1 setting.comment, 2.3 slot-entry.comment
    max_sets: int
    max_amount: int  # largest reps / seconds value


V21 = Limits(
    name=100, day_name=100, description=1000, block_comment=200, step_comment=100, max_sets=10, max_amount=600
)
V23 = Limits(
    name=25, day_name=20, description=1000, block_comment=200, step_comment=100, max_sets=50, max_amount=3000
)
ROUTINE_WEEKS = 12


# --- placeholders resolved by the tracker ------------------------------------


@dataclass(frozen=True)
class Ref:
    """The id of the object made by an earlier request with this ``ref``."""

    ref: str


@dataclass(frozen=True)
class ExerciseRef:
    """wger's exercise (2.1: exercise base) standing for one of ours, found at push time."""

    exercise_id: str


@dataclass(frozen=True)
class UnitRef:
    """A repetition unit, looked up by name."""

    name: str


@dataclass(frozen=True)
class Request:
    """One POST: ``endpoint`` under /api/v2/, a JSON ``body`` that may hold placeholders."""

    ref: str
    endpoint: str
    body: dict[str, Any]


def resolve(
    body: dict[str, Any], ids: dict[str, Any], exercise_ids: dict[str, int], unit_ids: dict[str, int]
) -> dict[str, Any]:
    """Return the body with every placeholder replaced by the id it stands for."""

    def one(value: Any) -> Any:
        if isinstance(value, Ref):
            return ids[value.ref]
        if isinstance(value, ExerciseRef):
            return exercise_ids[value.exercise_id]
        if isinstance(value, UnitRef):
            return unit_ids[value.name]
        return value

    return {key: one(value) for key, value in body.items()}


def placeholders(requests: Iterable[Request]) -> tuple[list[str], list[str]]:
    """Our exercise ids and the unit names the requests need, in first-use order."""
    exercises: dict[str, None] = {}
    units: dict[str, None] = {}
    for request in requests:
        for value in request.body.values():
            if isinstance(value, ExerciseRef):
                exercises.setdefault(value.exercise_id)
            elif isinstance(value, UnitRef):
                units.setdefault(value.name)
    return list(exercises), list(units)


# --- fitting text into fields -------------------------------------------------


def split_words(text: str, limit: int) -> tuple[str, str]:
    """Split ``text`` at a word boundary so the head fits ``limit`` (an ellipsis marks the cut)."""
    if len(text) <= limit:
        return text, ""
    cut = text.rfind(" ", 0, limit - 1)
    if cut <= 0:
        cut = limit - 1
    return text[:cut].rstrip() + "…", "…" + text[cut:].lstrip()


def pack(pieces: Sequence[str], limit: int, sep: str = " ") -> tuple[str, list[str]]:
    """Fill a field of ``limit`` characters with pieces in order; return it and what overflowed.

    Reading order is kept: after the first piece that does not fit, every later
    piece overflows too. A first piece longer than the field is split at a word.
    """
    text = ""
    for i, piece in enumerate(pieces):
        candidate = f"{text}{sep}{piece}" if text else piece
        if len(candidate) <= limit:
            text = candidate
            continue
        if not text:
            head, rest = split_words(piece, limit)
            return head, [rest, *pieces[i + 1 :]]
        return text, list(pieces[i:])
    return text, []


# --- generation-neutral blocks ---------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One exercise on one side: a 2.1 set or a 2.3 slot."""

    entry: RoutineEntry
    side: str | None
    sets: int
    unit: str
    amount: int
    rest_s: int
    isometric: bool
    label: str  # exercise name and side: what a 2.3 slot entry's comment says
    comment: str
    step_comments: tuple[str, ...]  # one per 2.1 setting; one per set when each set has its variation
    overflow: tuple[str, ...] = ()  # text for the description

    @property
    def exercise(self) -> Exercise:
        return self.entry.exercise


def key_caution(exercise: Exercise) -> str | None:
    """The exercise's most serious caution, in short."""
    cautions = ordered_cautions(exercise.cautions)
    return cautions[0].short if cautions else None


def _unit_and_amount(entry: RoutineEntry, limits: Limits) -> tuple[str, int, int]:
    """(unit name, amount in that unit, wger sets) for one side of an entry."""
    dose = entry.dose
    if dose.kind is DoseKind.HOLD:
        holds = dose.sets * dose.reps
        return SECONDS, dose.work_s, holds if holds <= limits.max_sets else dose.sets
    if dose.kind is DoseKind.CONTINUOUS:
        if dose.work_s <= limits.max_amount:
            return SECONDS, dose.work_s, dose.sets
        return MINUTES, max(1, round(dose.work_s / 60)), dose.sets
    return REPETITIONS, dose.reps, dose.sets


def blocks(entry: RoutineEntry, limits: Limits) -> list[Block]:
    """The entry as one block per side, with its comments fitted to the limits."""
    ex, dose = entry.exercise, entry.dose
    unit, amount, sets = _unit_and_amount(entry, limits)
    out = []
    for side in dose.sides:
        label = f"{ex.name}, {side} leg" if side else ex.name
        if ex.variation_per_set and ex.variations:
            steps = [f"{label}, {entry.variation_for_set(n)}" for n in range(1, dose.sets + 1)]
            sets = len(steps)
        else:
            steps = [label]
        step_comments = []
        overflow: list[str] = []
        for step in steps:
            text, rest = pack([step], limits.step_comment)
            step_comments.append(text)
            overflow += rest
        dose_text = entry_dose_phrase(entry)
        if unit == SECONDS and dose.kind is DoseKind.HOLD and sets == dose.sets and dose.reps > 1:
            dose_text += f" ({dose.reps} holds per set)"
        side_text = f"{side.capitalize()} leg." if side else ""
        pieces = [*overflow, side_text, f"{dose_text[:1].upper()}{dose_text[1:]}."]
        caution = key_caution(ex)
        if caution:
            pieces.append(f"Key caution: {caution}.")
        comment, rest = pack([p for p in pieces if p], limits.block_comment)
        out.append(
            Block(
                entry=entry,
                side=side,
                sets=sets,
                unit=unit,
                amount=amount,
                rest_s=dose.rest_s,
                isometric=dose.kind in (DoseKind.HOLD, DoseKind.CONTRACT_RELAX),
                label=label,
                comment=comment,
                step_comments=tuple(step_comments),
                overflow=(f"{label}: {' '.join(rest)}",) if rest else (),
            )
        )
    return out


def when_phrase(routine: Routine, plan: Plan | None) -> str:
    """'at 07:30, 19:00 Europe/Berlin' from a plan, else the routine's frequency."""
    if plan and plan.times:
        return "at " + ", ".join(t.strftime("%H:%M") for t in plan.times) + f" {plan.timezone}"
    return routine.frequency.text


def bouts_per_day(routine: Routine, plan: Plan | None) -> int:
    return len(plan.times) if plan and plan.times else routine.frequency.per_day_max


ONE_SESSION_NOTE = "wger keeps one session a day: log every bout of the day in that one session."


def description(routine: Routine, plan: Plan | None, overflow: Sequence[str], limits: Limits) -> str:
    """Cautions in full, then overflow and the marker; then nice-to-have lines while they fit.

    Raises InvalidRoutine when the must-have text alone exceeds the field.
    """
    must = ["CAUTIONS (read first)", *(f"- {line}" for line in caution_lines(routine.cautions)), *overflow]
    marker = f"{MARKER} {routine.id}"
    optional = [
        routine.description,
        f"{routine.name}: {seconds_phrase(routine.duration_s)}, {when_phrase(routine, plan)}.",
    ]
    if bouts_per_day(routine, plan) > 1:
        optional.append(ONE_SESSION_NOTE)
    text = "\n".join([*must, marker])
    if len(text) > limits.description:
        raise InvalidRoutine(
            f"the cautions and notes of {routine.id!r} need {len(text)} characters; "
            f"wger's description holds {limits.description}",
            field="exercises",
        )
    lines = list(must)
    for line in optional:
        if line and len("\n".join([*lines, line, marker])) <= limits.description:
            lines.append(line)
    return "\n".join([*lines, marker])


def _name_and_overflow(name: str, limit: int, what: str) -> tuple[str, list[str]]:
    if len(name) <= limit:
        return name, []
    head, _ = split_words(name, limit)
    return head, [f"{what}: {name}"]


def _all_blocks(routine: Routine, limits: Limits) -> list[Block]:
    return [b for entry in routine.entries for b in blocks(entry, limits)]


# --- wger 2.1 (workout API) ---------------------------------------------------------


def workout_requests(routine: Routine, plan: Plan | None = None) -> list[Request]:
    """The POSTs that build the routine as a wger 2.1 workout, in order."""
    limits = V21
    name, overflow = _name_and_overflow(routine.name, limits.name, "Routine")
    day_text, day_rest = pack([f"{routine.name}:", when_phrase(routine, plan)], limits.day_name)
    if day_rest:
        overflow.append("Day: " + " ".join([routine.name + ":", when_phrase(routine, plan)]))
    all_blocks = _all_blocks(routine, limits)
    overflow += [line for b in all_blocks for line in b.overflow]
    days = [WEEKDAY_PK[d] for d in (plan.days if plan else WEEKDAYS)]
    requests = [
        Request(
            "workout", "workout", {"name": name, "description": description(routine, plan, overflow, limits)}
        ),
        Request("day", "day", {"training": Ref("workout"), "description": day_text.rstrip(":"), "day": days}),
    ]
    for order, block in enumerate(all_blocks, start=1):
        set_ref = f"set{order}"
        requests.append(
            Request(
                set_ref,
                "set",
                {
                    "exerciseday": Ref("day"),
                    "sets": block.sets,
                    "order": order,
                    "comment": block.comment,
                },
            )
        )
        for n, comment in enumerate(block.step_comments, start=1):
            requests.append(
                Request(
                    f"{set_ref}.setting{n}",
                    "setting",
                    {
                        "set": Ref(set_ref),
                        "exercise_base": ExerciseRef(block.exercise.id),
                        "repetition_unit": UnitRef(block.unit),
                        "reps": block.amount,
                        # 2.1's setting.weight is nullable; no load (docs/wger.md#workout-api-21).
                        "weight": None,
                        "order": n,
                        "comment": comment,
                    },
                )
            )
    return requests


# --- wger 2.3+ (routine API) ---------------------------------------------------------


def monday_on_or_before(day: date) -> date:
    return day - timedelta(days=day.weekday())


def routine_requests(routine: Routine, plan: Plan | None = None, *, start: date) -> list[Request]:
    """The POSTs that build the routine with wger's 2.3+ routine API, in order."""
    limits = V23
    name, overflow = _name_and_overflow(routine.name, limits.name, "Routine")
    weekdays = plan.days if plan else WEEKDAYS
    every_day = set(weekdays) == set(WEEKDAYS)
    first = plan.start if plan and plan.start else start
    if not every_day:
        first = monday_on_or_before(first)
    day_name, day_over = _name_and_overflow(routine.name, limits.day_name, "Day")
    overflow += day_over
    all_blocks = _all_blocks(routine, limits)
    overflow += [line for b in all_blocks for line in b.overflow]
    day_description = f"{routine.name}: {when_phrase(routine, plan)}."
    if bouts_per_day(routine, plan) > 1:
        day_description += " " + ONE_SESSION_NOTE
    requests = [
        Request(
            "routine",
            "routine",
            {
                "name": name,
                "description": description(routine, plan, overflow, limits),
                "start": first.isoformat(),
                "end": (first + timedelta(weeks=ROUTINE_WEEKS, days=-1)).isoformat(),
                "fit_in_week": not every_day,
            },
        )
    ]
    week = WEEKDAYS[:1] if every_day else WEEKDAYS
    for order, weekday in enumerate(week, start=1):
        day_ref = f"day{order}"
        rest = not every_day and weekday not in weekdays
        if every_day:
            label = day_name
        else:
            label = WEEKDAY_NAME[weekday] + (" (rest)" if rest else "")
        requests.append(
            Request(
                day_ref,
                "day",
                {
                    "routine": Ref("routine"),
                    "order": order,
                    "name": label,
                    "description": "" if rest else day_description,
                    "is_rest": rest,
                    "need_logs_to_advance": False,
                },
            )
        )
        if rest:
            continue
        for slot_no, block in enumerate(all_blocks, start=1):
            slot_ref = f"{day_ref}.slot{slot_no}"
            entry_ref = f"{slot_ref}.entry"
            requests.append(
                Request(slot_ref, "slot", {"day": Ref(day_ref), "order": slot_no, "comment": block.comment})
            )
            # One entry per slot: more would make a superset (docs/wger.md#routine-api-23-and-later); the foot
            # positions of contract-relax sets are in the slot comment's dose text.
            step_text, _ = pack([block.label], limits.step_comment)
            requests.append(
                Request(
                    entry_ref,
                    "slot-entry",
                    {
                        "slot": Ref(slot_ref),
                        "exercise": ExerciseRef(block.exercise.id),
                        "type": "iso" if block.isometric else "normal",
                        "repetition_unit": UnitRef(block.unit),
                        "order": 1,
                        "comment": step_text,
                    },
                )
            )
            configs = [("sets-config", block.sets), ("repetitions-config", block.amount)]
            if block.rest_s:
                configs.append(("rest-config", min(block.rest_s, 1800)))
            for endpoint, value in configs:
                requests.append(
                    Request(
                        f"{entry_ref}.{endpoint}",
                        endpoint,
                        {
                            "slot_entry": Ref(entry_ref),
                            "iteration": 1,
                            "value": value,
                        },
                    )
                )
    return requests


# --- export file ---------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, Ref):
        return {"$ref": value.ref}
    if isinstance(value, ExerciseRef):
        return {"$exercise": value.exercise_id}
    if isinstance(value, UnitRef):
        return {"$repetition_unit": value.name}
    return value


def requests_json(requests: Iterable[Request]) -> list[dict[str, Any]]:
    return [
        {
            "ref": r.ref,
            "method": "POST",
            "path": f"/api/v2/{r.endpoint}/",
            "body": {k: _jsonable(v) for k, v in r.body.items()},
        }
        for r in requests
    ]


def export(routine: Routine) -> bytes:
    """The wger 2.1 requests as JSON, placeholders as ``$ref``, ``$exercise``, ``$repetition_unit``."""
    doc = {"api": "wger 2.1", "requests": requests_json(workout_requests(routine))}
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# --- exercise lookup -----------------------------------------------------------------

# What to search wger's exercise list for, most specific first. A candidate matches
# a term when every word of the term is in its name.
SEARCH_TERMS: dict[str, tuple[str, ...]] = {
    "contract-relax-hamstring": ("hamstring stretch",),
    "lying-hamstring": ("lying hamstring stretch", "hamstring stretch"),
    "standing-forward-bend": ("standing forward bend", "forward fold", "toe touch", "hamstring stretch"),
    "seated-two-chair-hamstring": ("seated hamstring stretch", "hamstring stretch"),
    "band-hamstring": ("band hamstring stretch", "hamstring stretch"),
    "legs-up-wall-hamstring": ("legs up the wall", "hamstring stretch"),
    "knees-to-chest": ("knees to chest", "knee to chest"),
    "standing-trunk-rotation": ("trunk rotation", "torso rotation", "trunk twist"),
    "yoga-block-forward-fold": ("forward fold", "hamstring stretch"),
}
GENERIC_TERMS = ("stretch", "stretching", "mobility")
# wger 2.1's bundled exercise list has no stretch at all (docs/wger.md#exercises: no Stretching
# category): when nothing above matches, a stand-in close to the movement is
# used and the setting comment names our exercise.
STAND_IN_TERMS: dict[Focus, tuple[str, ...]] = {
    Focus.HAMSTRING: ("leg raises lying", "leg raise"),
    Focus.TRUNK: ("trunk rotation", "russian twist", "crunches"),
    Focus.MIXED: ("leg raise",),
}


def search_terms(exercise: Exercise) -> list[str]:
    """Terms to search for, in the order they are tried."""
    own = SEARCH_TERMS.get(exercise.id, ())
    return list(dict.fromkeys([*own, exercise.name.lower(), *GENERIC_TERMS, *STAND_IN_TERMS[exercise.focus]]))


def words(text: str) -> set[str]:
    """The lower-case words of a name, punctuation dropped."""
    return {w for w in "".join(c if c.isalnum() else " " for c in text.lower()).split() if w}


def matches(term: str, name: str) -> bool:
    """Whether every word of ``term`` is in ``name`` (a trailing plural 's' ignored)."""
    have = {w.rstrip("s") for w in words(name)}
    return all(w.rstrip("s") in have for w in words(term))


def pick(term: str, candidates: Sequence[tuple[int, str]]) -> int | None:
    """The first candidate (id, name) matching ``term``; the shortest name wins among several."""
    hits = [(len(name), i, cid) for i, (cid, name) in enumerate(candidates) if matches(term, name)]
    return min(hits)[2] if hits else None


# --- completed sessions ------------------------------------------------------------

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

"""The POSTs that build a routine in wger, generation by generation.

Two API generations (docs/wger.md):

* **wger ≤ 2.2** (``workout_requests``): workout → day → one set per exercise
  and side → setting(s). A hold is ``repetition_unit`` "Seconds" with
  ``reps`` = hold seconds; each hold of a set is one wger set, so
  ``sets`` = sets × reps when that fits wger's 0–10; more holds get one
  setting each (wger shows several settings of a set as consecutive sets), so
  the hold count stays exact. Continuous work over 600 s (the ``reps`` limit)
  is given in "Minutes", rounded to the nearest minute when it is not whole,
  and then the set comment says what wger shows and the exact time.
  Contract-relax pushes are counted reps. An exercise whose sets each use
  another foot position gets one setting per set. 2.1 has no rest field: rest
  is written in the set comment (docs/wger.md#workout-api-21).
  The set comment is what wger's workout page shows of ours (the setting
  comment is never rendered), so it starts with our exercise's name and side,
  then the dose (docs/wger.md#what-a-person-sees).
* **wger ≥ 2.3** (``routine_requests``): routine → day(s) → one slot per
  exercise and side → slot entry (type ``iso`` for holds and contract-relax
  pushes) → sets-, repetitions- and rest-config from iteration 1. There are no
  weekdays in that API, so a plan on some weekdays becomes seven days
  Monday…Sunday with ``is_rest`` on the others and the routine starts on a
  Monday; every day of the week is one day that repeats. The routine runs
  12 weeks (wger 2.6 rejects spans over 120 days).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from plugin.catalog.localize import localize
from plugin.catalog.model import WEEKDAYS, DoseKind, Exercise, Plan, Routine, RoutineEntry
from plugin.formats.text import dose_phrase, seconds_phrase, side_phrase
from plugin.formats.wger.api import (
    MINUTES,
    REPETITIONS,
    ROUTINE_WEEKS,
    SECONDS,
    V21,
    V23,
    WEEKDAY_NAME,
    WEEKDAY_PK,
    Limits,
)
from plugin.formats.wger.fitting import (
    ONE_SESSION_NOTE,
    bouts_per_day,
    description,
    key_caution,
    name_and_overflow,
    pack,
    when_phrase,
)
from plugin.formats.wger.placeholders import ExerciseRef, Ref, Request, UnitRef
from plugin.i18n import LANGUAGES, _, using


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


@dataclass(frozen=True)
class Amount:
    """How one side of an entry is written in wger's units."""

    unit: str
    amount: int
    sets: int  # wger sets of one setting
    settings: int = 1  # > 1: one setting per hold, each shown as one set
    note: str = ""  # said in the visible comment when wger's number is not the exact dose


def wger_amount(entry: RoutineEntry, limits: Limits) -> Amount:
    """The entry's dose in wger's units, within the limits of one API generation."""
    dose = entry.dose
    if dose.kind is DoseKind.HOLD:
        holds = dose.sets * dose.reps
        if holds <= limits.max_sets:
            return Amount(SECONDS, dose.work_s, holds)
        if limits.settings_per_block:
            return Amount(SECONDS, dose.work_s, dose.sets, settings=holds)
        # 2.3+ has one entry per slot (several would be a superset): more holds
        # than sets-config takes are said in the comment.
        return Amount(SECONDS, dose.work_s, dose.sets, note=_("{reps} holds per set").format(reps=dose.reps))
    if dose.kind is DoseKind.CONTINUOUS:
        if dose.work_s <= limits.max_amount:
            return Amount(SECONDS, dose.work_s, dose.sets)
        minutes, seconds = divmod(dose.work_s, 60)
        if not seconds:
            return Amount(MINUTES, minutes, dose.sets)
        shown = (dose.work_s + 30) // 60  # half a minute up; over 600 s, never 0
        return Amount(
            MINUTES,
            shown,
            dose.sets,
            note=_("wger shows {shown} min; do {time}").format(shown=shown, time=seconds_phrase(dose.work_s)),
        )
    return Amount(REPETITIONS, dose.reps, dose.sets)


def compact_variations(variations: Sequence[str]) -> list[str]:
    """'foot pointing up / turned in / turned out': a first word shared by all is said once."""
    firsts = {v.split(" ", 1)[0] for v in variations}
    if len(variations) < 2 or len(firsts) != 1 or any(" " not in v for v in variations):
        return list(variations)
    return [variations[0], *(v.split(" ", 1)[1] for v in variations[1:])]


def block_dose_phrase(entry: RoutineEntry, side: str | None) -> str:
    """The dose for one side's set comment: the label already names the leg, so no 'each leg'."""
    ex = entry.exercise
    variations = compact_variations(ex.variations) if ex.variation_per_set else []
    text = dose_phrase(entry.dose, variations)
    return text.replace(", " + _("each leg"), "") if side else text


def blocks(entry: RoutineEntry, limits: Limits) -> list[Block]:
    """The entry as one block per side, with its comments fitted to the limits."""
    ex, dose = entry.exercise, entry.dose
    amount = wger_amount(entry, limits)
    out = []
    for side in dose.sides:
        label = f"{ex.name}, {side_phrase(side)}" if side else ex.name
        sets = amount.sets
        if ex.variation_per_set and ex.variations:
            steps = [f"{label}, {entry.variation_for_set(n)}" for n in range(1, dose.sets + 1)]
            sets = len(steps)
        else:
            steps = [label] * amount.settings
        # A setting comment cut short needs no overflow: the set comment starts with the label.
        step_comments = [pack([step], limits.step_comment)[0] for step in steps]
        dose_text = block_dose_phrase(entry, side)
        if amount.note:
            dose_text += f" ({amount.note})"
        # The label comes first: it is the one text of ours wger's workout page shows
        # next to the exercise (docs/wger.md#what-a-person-sees).
        pieces = [f"{label}.", f"{dose_text[:1].upper()}{dose_text[1:]}."]
        caution = key_caution(ex)
        caution_piece = _("Key caution: {caution}.").format(caution=caution) if caution else ""
        if caution_piece:
            pieces.append(caution_piece)
        comment, rest = pack(pieces, limits.block_comment)
        if rest == [caution_piece]:
            rest = []  # the description holds every caution in full (fitting.description)
        out.append(
            Block(
                entry=entry,
                side=side,
                sets=sets,
                unit=amount.unit,
                amount=amount.amount,
                rest_s=dose.rest_s,
                isometric=dose.kind in (DoseKind.HOLD, DoseKind.CONTRACT_RELAX),
                label=label,
                comment=comment,
                step_comments=tuple(step_comments),
                overflow=(f"{label}: {' '.join(rest)}",) if rest else (),
            )
        )
    return out


def _all_blocks(routine: Routine, limits: Limits) -> list[Block]:
    return [b for entry in routine.entries for b in blocks(entry, limits)]


# --- wger 2.1 (workout API) ---------------------------------------------------------


def workout_requests(routine: Routine, plan: Plan | None = None) -> list[Request]:
    """The POSTs that build the routine as a wger 2.1 workout, in order."""
    limits = V21
    name, overflow = name_and_overflow(routine.name, limits.name, _("Routine"))
    day_text, day_rest = pack([f"{routine.name}:", when_phrase(routine, plan)], limits.day_name)
    if day_rest:
        overflow.append(
            _("Day: {text}").format(text=" ".join([routine.name + ":", when_phrase(routine, plan)]))
        )
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
                        # 2.1's setting.weight is nullable; stretches carry no load
                        # (docs/wger.md#workout-api-21).
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
    name, overflow = name_and_overflow(routine.name, limits.name, _("Routine"))
    weekdays = plan.days if plan else WEEKDAYS
    every_day = set(weekdays) == set(WEEKDAYS)
    first = plan.start if plan and plan.start else start
    if not every_day:
        first = monday_on_or_before(first)
    day_name, day_over = name_and_overflow(routine.name, limits.day_name, _("Day"))
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
            # One entry per slot: several entries would make a superset
            # (docs/wger.md#routine-api-23-and-later); the foot positions of contract-relax sets
            # are in the slot comment's dose text.
            step_text, _rest = pack([block.label], limits.step_comment)
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


def check(routine: Routine, plan: Plan | None = None) -> None:
    """Raise InvalidRoutine when the routine cannot go to wger (either API generation) whole.

    Run when a custom routine is created, so a routine no wger can take is refused
    then (422 naming the field), not at push time (docs/wger.md#what-is-refused).
    Checked in every language: a person may install it in any of them.
    """
    for code in LANGUAGES:
        with using(code) as lang:
            localized = localize(routine, lang)
            workout_requests(localized, plan)
            routine_requests(localized, plan, start=CHECK_START)


CHECK_START = date(2024, 1, 1)  # any Monday: the start date changes no text

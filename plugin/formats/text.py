"""Plain-language wording shared by every format: one place for how a dose reads.

Targets without native fields for sides, holds or cautions get these sentences
in their notes or description fields, so every export says the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

from plugin.catalog.model import (
    Caution,
    CautionKind,
    CompletedSession,
    Dose,
    DoseKind,
    ExerciseDone,
    Focus,
    Progression,
    Routine,
    RoutineEntry,
)
from plugin.catalog.progress import Hold, HoldReason

KIND_LABEL = {
    CautionKind.CONTRAINDICATION: "Contraindication",
    CautionKind.STOP: "Stop rule",
    CautionKind.FORM: "Form",
}

# Headings for cautions grouped by kind (handouts and pages), in CAUTION_ORDER.
KIND_HEADING = {
    CautionKind.CONTRAINDICATION: "Who should not do this",
    CautionKind.STOP: "When to stop",
    CautionKind.FORM: "How to do it safely",
}

FOCUS_LABEL = {
    Focus.HAMSTRING: "Hamstrings",
    Focus.TRUNK: "Trunk rotation",
    Focus.MIXED: "Hamstrings and trunk",
}


def seconds_phrase(seconds: int) -> str:
    """'40 s', '3 min', '4 min 48 s'."""
    minutes, secs = divmod(seconds, 60)
    if minutes and secs:
        return f"{minutes} min {secs} s"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def sides_phrase(dose: Dose) -> str:
    return "each leg" if dose.per_side else ""


def dose_phrase(dose: Dose, variations: Iterable[str] = ()) -> str:
    """The dose as a person says it: '3 × 3 × 6 s push at 20-30 %, each leg, foot up / in / out'."""
    parts: list[str] = []
    sets = f"{dose.sets} sets × " if dose.sets > 1 else ""
    if dose.kind is DoseKind.CONTINUOUS:
        parts.append(f"{sets}{seconds_phrase(dose.work_s)} continuous")
    elif dose.kind is DoseKind.CONTRACT_RELAX:
        effort = f" at {dose.effort_pct[0]}-{dose.effort_pct[1]} % effort" if dose.effort_pct else ""
        parts.append(f"{sets}{dose.reps} × {dose.contract_s} s push{effort}")
    elif dose.kind is DoseKind.HOLD:
        held = f"hold {dose.hold_s} s"
        if dose.hold_range_s and dose.hold_range_s != (dose.hold_s, dose.hold_s):
            held += f" (source: {dose.hold_range_s[0]}-{dose.hold_range_s[1]} s)"
        parts.append(f"{sets}{dose.reps} × {held}" if dose.reps > 1 else f"{sets}{held}")
    elif dose.kind is DoseKind.COUNTED:
        parts.append(f"{sets}{dose.reps} reps")
    else:
        parts.append("no timing given")
    if dose.reps_range and dose.reps_range[0] != dose.reps_range[1]:
        parts.append(f"{dose.reps_range[0]}-{dose.reps_range[1]} reps in the source")
    if dose.per_side:
        parts.append("each leg")
    if dose.rest_s:
        parts.append(f"rest {dose.rest_s} s")
    variations = list(variations)
    if variations:
        parts.append(" / ".join(variations))
    return ", ".join(parts)


def entry_dose_phrase(entry: RoutineEntry) -> str:
    ex = entry.exercise
    return dose_phrase(entry.dose, ex.variations if ex.variation_per_set else ())


def caution_line(caution: Caution) -> str:
    """'Contraindication: …' — the kind first, so a reader knows how serious it is."""
    return f"{KIND_LABEL[caution.kind]}: {caution.text}"


def caution_lines(cautions: Iterable[Caution]) -> list[str]:
    return [caution_line(c) for c in cautions]


def notes_lines(routine: Routine) -> list[str]:
    """What opens a routine's notes in every target: its notice (a pain hold's warning), then
    every caution, contraindications first."""
    return (
        [routine.notice, *caution_lines(routine.cautions)]
        if routine.notice
        else caution_lines(routine.cautions)
    )


def caution_groups(cautions: Iterable[Caution]) -> list[tuple[CautionKind, str, list[Caution]]]:
    """Group cautions by kind in reading order: (kind, heading, cautions), empty kinds left out."""
    cautions = list(cautions)
    groups = []
    for kind, heading in KIND_HEADING.items():
        members = [c for c in cautions if c.kind is kind]
        if members:
            groups.append((kind, heading, members))
    return groups


DAY_NAMES = {"MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat", "SU": "Sun"}


def days_phrase(days: Iterable[str]) -> str:
    """'every day', 'weekdays', 'Mon, Wed, Fri' for RRULE BYDAY codes."""
    days = [d for d in DAY_NAMES if d in set(days)]
    if len(days) == 7:
        return "every day"
    if days == ["MO", "TU", "WE", "TH", "FR"]:
        return "weekdays"
    return ", ".join(DAY_NAMES[d] for d in days)


def count_phrase(count: int, noun: str) -> str:
    """'1 exercise', '3 exercises'."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def exercise_lines(entry: RoutineEntry, number: int | None = None) -> list[str]:
    """A few lines for one exercise: name, dose, variations, equipment, cue."""
    ex = entry.exercise
    head = f"{number}. {ex.name}" if number is not None else ex.name
    lines = [head, f"   {entry_dose_phrase(entry)}"]
    if ex.variations and not ex.variation_per_set:
        lines.append(f"   Variations: {', '.join(ex.variations)}")
    if ex.equipment:
        lines.append(f"   Equipment: {', '.join(ex.equipment)}")
    if ex.cue:
        lines.append(f"   Cue: {ex.cue}")
    return lines


def routine_text(routine: Routine) -> str:
    """The whole routine as plain text: its notice (a pain hold's warning), cautions, every exercise."""
    lines = [routine.notice, ""] if routine.notice else []
    lines.append("CAUTIONS (read first)")
    lines += [f"- {line}" for line in caution_lines(routine.cautions)]
    lines.append("")
    lines.append(f"{routine.name}: {seconds_phrase(routine.duration_s)}, {routine.frequency.text}")
    for number, entry in enumerate(routine.entries, start=1):
        lines += exercise_lines(entry, number)
    return "\n".join(lines)


def reminder_line(minutes_before: Iterable[int]) -> str:
    """'Reminders: 10 min before, 60 min before.' — for targets whose alarms a client may drop."""
    phrases = []
    for minutes in minutes_before:
        if minutes == 0:
            phrases.append("at the start")
        else:
            phrases.append(f"{seconds_phrase(minutes * 60)} before")
    label = "Reminder" if len(phrases) == 1 else "Reminders"
    return f"{label}: {', '.join(phrases)}."


PAIN_STOP_LEVEL = 7  # a pain score from here up reads as the routine's stop rule, not as "mild pull"


def pain_advice(pain: int) -> str:
    """What to tell someone who reported pain at or above the stop level."""
    return (
        f"You reported pain {pain}/10. Stop this routine and seek advice from a physiotherapist "
        "or doctor before continuing."
    )


# --- progression and holds (docs/catalog.md#progression) ------------------------------------

WARNING_MARK = "⚠"
STEP_UNITS = {"hold_s": "s", "reps": "reps", "sets": "sets"}


def progression_phrase(progression: Progression) -> str:
    """'week 1: 15 s → week 4: 30 s': where each stepped field starts and where it stops."""
    parts = []
    for name, unit in STEP_UNITS.items():
        steps = getattr(progression, name)
        if steps:
            parts.append(f"week 1: {steps[0]} {unit} → week {len(steps)}: {steps[-1]} {unit}")
    return "; ".join(parts)


def week_phrase(week: int, weeks: int) -> str:
    """'week 2 of 4'; 'week 4 (last step)' once the doses stay the same."""
    return f"week {week} of {weeks}" if week < weeks else f"week {week} (last step)"


def hold_reason_phrase(pain: int, twice: bool) -> str:
    """'pain 7/10' or 'pain 5/10, the second time in a row'."""
    return f"pain {pain}/10, the second time in a row" if twice else f"pain {pain}/10"


def hold_period_phrase(hold: Hold) -> str:
    """'2026-11-24 to 2026-12-01 at week 3: pain 7/10 on 2026-11-24 07:00; ended early by pain 2/10 …'."""
    last_day = hold.end - timedelta(days=1)
    twice = hold.reason is HoldReason.PAIN_TWICE
    text = (
        f"{hold.start.isoformat()} to {last_day.isoformat()} at week {hold.week}: "
        f"{hold_reason_phrase(hold.pain, twice)} on {hold.reported_at:%Y-%m-%d %H:%M}"
    )
    if hold.ended_early_at is not None:
        text += f"; ended early by low pain on {hold.ended_early_at:%Y-%m-%d %H:%M}"
    return text


HOLD_ADVICE = "ask a physiotherapist or doctor before you go on"  # the sources' own advice


def hold_notice(hold: Hold, routine: Routine) -> str:
    """The line that opens every occurrence and push of ``routine`` during ``hold``.

    The pain and when, the routine's stop rules in the catalog's own words, and the
    advice the sources give; nothing beyond them.
    """
    stops = " ".join(c.text for c in routine.cautions if c.kind is CautionKind.STOP)
    last_day = hold.end - timedelta(days=1)
    twice = hold.reason is HoldReason.PAIN_TWICE
    lines = [
        f"{WARNING_MARK} You reported {hold_reason_phrase(hold.pain, twice)} on "
        f"{hold.reported_at:%Y-%m-%d %H:%M}.",
        f"{KIND_LABEL[CautionKind.STOP]}: {stops}" if stops else "",
        # The catalog's stop rule already gives this advice; said once is enough.
        "" if HOLD_ADVICE.casefold() in stops.casefold() else f"{HOLD_ADVICE[0].upper()}{HOLD_ADVICE[1:]}.",
        f"The plan stays at week {hold.week} through {last_day.isoformat()}.",
    ]
    return " ".join(line for line in lines if line)


SIDE_LABEL = {"left": "Left leg", "right": "Right leg"}


def logged_sets_per_set(dose: Dose) -> int:
    """How many logged sets one set of a dose becomes where a tracker logs one hold per set."""
    return 1 if dose.kind is DoseKind.COUNTED else dose.reps


def entry_note_lines(entry: RoutineEntry, side: str | None = None) -> list[str]:
    """Sentences for a tracker's exercise notes: side, dose, per-set position, cue, cautions."""
    ex = entry.exercise
    lines = []
    if side:
        other = "right" if side == "left" else "left"
        lines.append(f"{SIDE_LABEL[side]} (then the {other} leg).")
    lines.append(f"{ex.name}: {entry_dose_phrase(entry)}.")
    if ex.variation_per_set and ex.variations:
        per_set = logged_sets_per_set(entry.dose)
        for set_no in range(1, entry.dose.sets + 1):
            first = (set_no - 1) * per_set + 1
            span = f"Set {first}" if per_set == 1 else f"Sets {first}-{first + per_set - 1}"
            lines.append(f"{span}: {entry.variation_for_set(set_no)}.")
    elif ex.variations:
        lines.append(f"Variations: {', '.join(ex.variations)}.")
    if ex.cue:
        lines.append(f"Cue: {ex.cue}.")
    return lines + caution_lines(ex.cautions)


def done_line(name: str, done: ExerciseDone) -> str:
    """What was done of one exercise: 'Lying hamstring stretch, left leg: 1 set, hold 30 s'."""
    head = f"{name}, {SIDE_LABEL[done.side].lower()}" if done.side in SIDE_LABEL else name
    parts = []
    if done.sets:
        parts.append(f"{done.sets} set{'s' if done.sets != 1 else ''}")
    if done.reps:
        parts.append(f"{done.reps} reps")
    if done.hold_s:
        parts.append(f"hold {seconds_phrase(done.hold_s)}")
    if done.duration_s and done.duration_s != done.hold_s:
        parts.append(f"{seconds_phrase(done.duration_s)} in all")
    return f"{head}: {', '.join(parts)}" if parts else head


def done_phrase(session: CompletedSession, exercise_names: Mapping[str, str]) -> str:
    """A completed session in one line: '7 min: Lying hamstring stretch, left leg: hold 30 s. Pain 2/10.'"""
    text = seconds_phrase(session.duration_s)
    lines = [done_line(exercise_names.get(d.exercise_id, d.exercise_id), d) for d in session.exercises]
    if lines:
        text += ": " + "; ".join(lines)
    if session.pain is not None:
        text += f". Pain {session.pain}/10"
    return text + "."

"""Plain-language wording shared by every format: one place for how a dose reads.

Targets without native fields for sides, holds or cautions get these sentences
in their notes or description fields, so every export says the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable

from plugin.catalog.model import Caution, CautionKind, Dose, DoseKind, Routine, RoutineEntry

KIND_LABEL = {
    CautionKind.CONTRAINDICATION: "Contraindication",
    CautionKind.STOP: "Stop rule",
    CautionKind.FORM: "Form",
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
    """The whole routine as plain text: cautions first, then every exercise."""
    lines = ["CAUTIONS (read first)"]
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

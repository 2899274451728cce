"""Plain-language wording shared by every format: one place for how a dose reads.

Targets without native fields for sides, holds or cautions get these sentences
in their notes or description fields, so every export says the same thing. Every
sentence is written in the current language (``plugin.i18n.current()``): a
caller exports inside ``with using(language):`` (docs/i18n.md#in-the-code).
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
from plugin.i18n import LANGUAGES, N_, _, current, language, ngettext

KIND_LABEL = {
    CautionKind.CONTRAINDICATION: N_("Contraindication"),
    CautionKind.STOP: N_("Stop rule"),
    CautionKind.FORM: N_("Form"),
}

# Headings for cautions grouped by kind (handouts and pages), in CAUTION_ORDER.
KIND_HEADING = {
    CautionKind.CONTRAINDICATION: N_("Who should not do this"),
    CautionKind.STOP: N_("When to stop"),
    CautionKind.FORM: N_("How to do it safely"),
}

FOCUS_LABEL = {
    Focus.HAMSTRING: N_("Hamstrings"),
    Focus.TRUNK: N_("Trunk rotation"),
    Focus.MIXED: N_("Hamstrings and trunk"),
}


def kind_label(kind: CautionKind) -> str:
    """'Contraindication', 'Stop rule', 'Form' in the current language."""
    return _(KIND_LABEL[kind])


def kind_heading(kind: CautionKind) -> str:
    return _(KIND_HEADING[kind])


def focus_label(focus: Focus) -> str:
    return _(FOCUS_LABEL[focus])


def number(value: int | float) -> str:
    """A number as the current language writes it (decimal sign, grouping)."""
    return current().number(value)


def join(items: Iterable[str]) -> str:
    """'a, b and c' in the current language."""
    return current().join(list(items))


def seconds_phrase(seconds: int) -> str:
    """'40 s', '3 min', '4 min 48 s'."""
    minutes, secs = divmod(seconds, 60)
    if minutes and secs:
        return _("{minutes} min {seconds} s").format(minutes=number(minutes), seconds=number(secs))
    if minutes:
        return _("{minutes} min").format(minutes=number(minutes))
    return _("{seconds} s").format(seconds=number(secs))


def sides_phrase(dose: Dose) -> str:
    return _("each leg") if dose.per_side else ""


def _range(low: int, high: int) -> str:
    return f"{number(low)}-{number(high)}"


def dose_phrase(dose: Dose, variations: Iterable[str] = ()) -> str:
    """The dose as a person says it: '3 × 3 × 6 s push at 20-30 %, each leg, foot up / in / out'."""
    parts: list[str] = []
    sets = _("{sets} sets × ").format(sets=number(dose.sets)) if dose.sets > 1 else ""
    if dose.kind is DoseKind.CONTINUOUS:
        parts.append(sets + _("{duration} continuous").format(duration=seconds_phrase(dose.work_s)))
    elif dose.kind is DoseKind.CONTRACT_RELAX:
        push = _("{reps} × {seconds} s push").format(
            reps=number(dose.reps), seconds=number(dose.contract_s or 0)
        )
        if dose.effort_pct:
            push = _("{reps} × {seconds} s push at {effort} % effort").format(
                reps=number(dose.reps), seconds=number(dose.contract_s or 0), effort=_range(*dose.effort_pct)
            )
        parts.append(sets + push)
    elif dose.kind is DoseKind.HOLD:
        held = _("hold {seconds} s").format(seconds=number(dose.hold_s or 0))
        if dose.hold_range_s and dose.hold_range_s != (dose.hold_s, dose.hold_s):
            held += " " + _("(source: {low}-{high} s)").format(
                low=number(dose.hold_range_s[0]), high=number(dose.hold_range_s[1])
            )
        parts.append(f"{sets}{number(dose.reps)} × {held}" if dose.reps > 1 else f"{sets}{held}")
    elif dose.kind is DoseKind.COUNTED:
        parts.append(sets + ngettext("{reps} rep", "{reps} reps", dose.reps).format(reps=number(dose.reps)))
    else:
        parts.append(_("no timing given"))
    if dose.reps_range and dose.reps_range[0] != dose.reps_range[1]:
        parts.append(
            _("{low}-{high} reps in the source").format(
                low=number(dose.reps_range[0]), high=number(dose.reps_range[1])
            )
        )
    if dose.per_side:
        parts.append(_("each leg"))
    if dose.rest_s:
        parts.append(_("rest {seconds} s").format(seconds=number(dose.rest_s)))
    variations = list(variations)
    if variations:
        parts.append(" / ".join(variations))
    return ", ".join(parts)


def entry_dose_phrase(entry: RoutineEntry) -> str:
    ex = entry.exercise
    return dose_phrase(entry.dose, ex.variations if ex.variation_per_set else ())


def caution_line(caution: Caution) -> str:
    """'Contraindication: …' — the kind first, so a reader knows how serious it is."""
    return _("{label}: {text}").format(label=kind_label(caution.kind), text=caution.text)


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
    for kind in KIND_HEADING:
        members = [c for c in cautions if c.kind is kind]
        if members:
            groups.append((kind, kind_heading(kind), members))
    return groups


WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def day_name(code: str) -> str:
    """An RRULE BYDAY code as the current language abbreviates it: 'Mon', 'Mo.', 'lun.', 'lun'."""
    return str(current().locale.days["format"]["abbreviated"][WEEKDAY_CODES.index(code)])


def day_names() -> dict[str, str]:
    """Every BYDAY code → its abbreviated name in the current language, Monday first."""
    return {code: day_name(code) for code in WEEKDAY_CODES}


def days_phrase(days: Iterable[str]) -> str:
    """'every day', 'weekdays', 'Mon, Wed, Fri' for RRULE BYDAY codes."""
    days = [d for d in WEEKDAY_CODES if d in set(days)]
    if len(days) == 7:
        return _("every day")
    if days == ["MO", "TU", "WE", "TH", "FR"]:
        return _("weekdays")
    return ", ".join(day_name(d) for d in days)


def count_phrase(count: int, noun: str) -> str:
    """'1 exercise', '3 exercises' (noun: exercise, day, session)."""
    n = number(count)
    if noun == "exercise":
        return ngettext("{n} exercise", "{n} exercises", count).format(n=n)
    if noun == "day":
        return ngettext("{n} day", "{n} days", count).format(n=n)
    if noun == "session":
        return ngettext("{n} session", "{n} sessions", count).format(n=n)
    raise ValueError(f"no wording for counting {noun!r}")


def exercise_lines(entry: RoutineEntry, number_: int | None = None) -> list[str]:
    """A few lines for one exercise: name, dose, variations, equipment, cue."""
    ex = entry.exercise
    head = f"{number_}. {ex.name}" if number_ is not None else ex.name
    lines = [head, f"   {entry_dose_phrase(entry)}"]
    if ex.variations and not ex.variation_per_set:
        lines.append("   " + _("Variations: {list}").format(list=", ".join(ex.variations)))
    if ex.equipment:
        lines.append("   " + _("Equipment: {list}").format(list=", ".join(ex.equipment)))
    if ex.cue:
        lines.append("   " + _("Cue: {cue}").format(cue=ex.cue))
    return lines


def routine_text(routine: Routine) -> str:
    """The whole routine as plain text: its notice (a pain hold's warning), cautions, every exercise."""
    lines = [routine.notice, ""] if routine.notice else []
    lines.append(_("CAUTIONS (read first)"))
    lines += [f"- {line}" for line in caution_lines(routine.cautions)]
    lines.append("")
    lines.append(
        _("{name}: {duration}, {frequency}").format(
            name=routine.name, duration=seconds_phrase(routine.duration_s), frequency=routine.frequency.text
        )
    )
    for position, entry in enumerate(routine.entries, start=1):
        lines += exercise_lines(entry, position)
    return "\n".join(lines)


def reminder_line(minutes_before: Iterable[int]) -> str:
    """'Reminders: 10 min before, 60 min before.' — for targets whose alarms a client may drop."""
    phrases = []
    for minutes in minutes_before:
        if minutes == 0:
            phrases.append(_("at the start"))
        else:
            phrases.append(_("{time} before").format(time=seconds_phrase(minutes * 60)))
    return ngettext("Reminder: {list}.", "Reminders: {list}.", len(phrases)).format(list=", ".join(phrases))


PAIN_STOP_LEVEL = 7  # a pain score from here up reads as the routine's stop rule, not as "mild pull"


def pain_advice(pain: int) -> str:
    """What to tell someone who reported pain at or above the stop level."""
    return _(
        "You reported pain {pain}/10. Stop this routine and seek advice from a physiotherapist "
        "or doctor before continuing."
    ).format(pain=number(pain))


# --- progression and holds (docs/catalog.md#progression) ------------------------------------

WARNING_MARK = "⚠"


def progression_phrase(progression: Progression) -> str:
    """'week 1: 15 s → week 4: 30 s': where each stepped field starts and where it stops."""
    parts = []
    for name in ("hold_s", "reps", "sets"):
        steps = getattr(progression, name)
        if steps:
            parts.append(
                _("week 1: {first} → week {last_week}: {last}").format(
                    first=_step_amount(name, steps[0]),
                    last_week=len(steps),
                    last=_step_amount(name, steps[-1]),
                )
            )
    return "; ".join(parts)


def _step_amount(name: str, n: int) -> str:
    """One step of a progression: '15 s', '6 reps', '2 sets'."""
    if name == "hold_s":
        return _("{seconds} s").format(seconds=number(n))
    if name == "reps":
        return ngettext("{reps} rep", "{reps} reps", n).format(reps=number(n))
    return ngettext("{n} set", "{n} sets", n).format(n=number(n))


def week_phrase(week: int, weeks: int) -> str:
    """'week 2 of 4'; 'week 4 (last step)' once the doses stay the same."""
    if week < weeks:
        return _("week {week} of {weeks}").format(week=week, weeks=weeks)
    return _("week {week} (last step)").format(week=week)


def hold_reason_phrase(pain: int, twice: bool) -> str:
    """'pain 7/10' or 'pain 5/10, the second time in a row'."""
    if twice:
        return _("pain {pain}/10, the second time in a row").format(pain=pain)
    return _("pain {pain}/10").format(pain=pain)


def hold_period_phrase(hold: Hold) -> str:
    """'2026-11-24 to 2026-12-01 at week 3: pain 7/10 on 2026-11-24 07:00; ended early by pain 2/10 …'."""
    last_day = hold.end - timedelta(days=1)
    twice = hold.reason is HoldReason.PAIN_TWICE
    text = _("{first} to {last} at week {week}: {reason} on {reported}").format(
        first=hold.start.isoformat(),
        last=last_day.isoformat(),
        week=hold.week,
        reason=hold_reason_phrase(hold.pain, twice),
        reported=f"{hold.reported_at:%Y-%m-%d %H:%M}",
    )
    if hold.ended_early_at is not None:
        text += "; " + _("ended early by low pain on {when}").format(
            when=f"{hold.ended_early_at:%Y-%m-%d %H:%M}"
        )
    return text


HOLD_ADVICE = N_("ask a physiotherapist or doctor before you go on")  # the sources' own advice


def hold_notice(hold: Hold, routine: Routine) -> str:
    """The line that opens every occurrence and push of ``routine`` during ``hold``.

    The pain and when, the routine's stop rules in the catalog's own words, and the
    advice the sources give; nothing beyond them. ``routine`` is in the current language.
    """
    stops = " ".join(c.text for c in routine.cautions if c.kind is CautionKind.STOP)
    last_day = hold.end - timedelta(days=1)
    twice = hold.reason is HoldReason.PAIN_TWICE
    advice = _(HOLD_ADVICE)
    lines = [
        f"{WARNING_MARK} "
        + _("You reported {reason} on {when}.").format(
            reason=hold_reason_phrase(hold.pain, twice), when=f"{hold.reported_at:%Y-%m-%d %H:%M}"
        ),
        _("{label}: {text}").format(label=kind_label(CautionKind.STOP), text=stops) if stops else "",
        # The catalog's stop rule already gives this advice (each catalog words it the same in
        # both places); said once is enough.
        "" if advice.casefold() in stops.casefold() else f"{advice[:1].upper()}{advice[1:]}.",
        _("The plan stays at week {week} through {last}.").format(week=hold.week, last=last_day.isoformat()),
    ]
    return " ".join(line for line in lines if line)


SIDE_LABEL = {"left": N_("Left leg"), "right": N_("Right leg")}
# A side inside a sentence ('…, left leg: …'); German keeps its capital noun.
SIDE_PHRASE = {"left": N_("left leg"), "right": N_("right leg")}
# The first line of an exercise's notes for one side, naming the side that follows.
SIDE_THEN = {"left": N_("Left leg (then the right leg)."), "right": N_("Right leg (then the left leg).")}


def side_label(side: str) -> str:
    """'Left leg' in the current language."""
    return _(SIDE_LABEL[side])


def side_phrase(side: str) -> str:
    """'left leg' in the current language, for the middle of a sentence."""
    return _(SIDE_PHRASE[side])


def side_labels_everywhere() -> list[tuple[str, str]]:
    """(side, label) in every language: notes written in any of them name their side."""
    return [(side, language(code).gettext(label)) for code in LANGUAGES for side, label in SIDE_LABEL.items()]


def logged_sets_per_set(dose: Dose) -> int:
    """How many logged sets one set of a dose becomes where a tracker logs one hold per set."""
    return 1 if dose.kind is DoseKind.COUNTED else dose.reps


def entry_note_lines(entry: RoutineEntry, side: str | None = None) -> list[str]:
    """Sentences for a tracker's exercise notes: side, dose, per-set position, cue, cautions."""
    ex = entry.exercise
    lines = []
    if side:
        lines.append(_(SIDE_THEN[side]))
    lines.append(_("{name}: {dose}.").format(name=ex.name, dose=entry_dose_phrase(entry)))
    if ex.variation_per_set and ex.variations:
        per_set = logged_sets_per_set(entry.dose)
        for set_no in range(1, entry.dose.sets + 1):
            first = (set_no - 1) * per_set + 1
            variation = entry.variation_for_set(set_no)
            if per_set == 1:
                lines.append(_("Set {first}: {variation}.").format(first=number(first), variation=variation))
            else:
                lines.append(
                    _("Sets {first}-{last}: {variation}.").format(
                        first=number(first), last=number(first + per_set - 1), variation=variation
                    )
                )
    elif ex.variations:
        lines.append(_("Variations: {list}.").format(list=", ".join(ex.variations)))
    if ex.cue:
        lines.append(_("Cue: {cue}.").format(cue=ex.cue))
    return lines + caution_lines(ex.cautions)


def done_line(name: str, done: ExerciseDone) -> str:
    """What was done of one exercise: 'Lying hamstring stretch, left leg: 1 set, hold 30 s'."""
    head = f"{name}, {side_phrase(done.side)}" if done.side in SIDE_LABEL else name
    parts = []
    if done.sets:
        parts.append(ngettext("{n} set", "{n} sets", done.sets).format(n=number(done.sets)))
    if done.reps:
        parts.append(ngettext("{reps} rep", "{reps} reps", done.reps).format(reps=number(done.reps)))
    if done.hold_s:
        parts.append(_("hold {time}").format(time=seconds_phrase(done.hold_s)))
    if done.duration_s and done.duration_s != done.hold_s:
        parts.append(_("{time} in all").format(time=seconds_phrase(done.duration_s)))
    return f"{head}: {', '.join(parts)}" if parts else head


def done_phrase(session: CompletedSession, exercise_names: Mapping[str, str]) -> str:
    """A completed session in one line: '7 min: Lying hamstring stretch, left leg: hold 30 s. Pain 2/10.'"""
    text = seconds_phrase(session.duration_s)
    lines = [done_line(exercise_names.get(d.exercise_id, d.exercise_id), d) for d in session.exercises]
    if lines:
        text += ": " + "; ".join(lines)
    if session.pain is not None:
        text += ". " + _("Pain {pain}/10").format(pain=number(session.pain))
    return text + "."

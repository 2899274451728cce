"""Text fitted into wger's field limits (docs/wger.md#text-limits).

Every field is filled from pieces of text in reading
order; a piece that does not fit (with all that follow it) continues in the
next wider field up: setting / slot-entry comment (100) → set / slot comment
(200) → workout / routine description (1000); the day description (2.1, 100,
it is the day's name) and the names (workout 100; routine 25, day 20) also
overflow into the description. The description holds every caution of the
routine in full, contraindications first, then what overflowed, then a line
naming the routine (``stretchsync routine: <id>``) by which a workout whose
id was lost is found again. The routine's own description is must-have text
too (it is never dropped); what is only nice to have (the routine's length and
frequency) is added while room is left. If the must-have text exceeds 1000
characters the routine cannot go to wger without losing a caution or its
description, and InvalidRoutine is raised; ``check`` in ``build`` runs this
when a custom routine is created (docs/wger.md#what-is-refused). Every set / slot
comment also carries the exercise's key caution (its first, most serious one,
in short).
"""

from __future__ import annotations

from collections.abc import Sequence

from plugin.catalog.model import Exercise, Plan, Routine, ordered_cautions
from plugin.errors import InvalidRoutine
from plugin.formats.text import caution_lines, seconds_phrase
from plugin.formats.wger.api import MARKER, Limits
from plugin.i18n import N_, _


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


def key_caution(exercise: Exercise) -> str | None:
    """The exercise's most serious caution, in short."""
    cautions = ordered_cautions(exercise.cautions)
    return cautions[0].short if cautions else None


def when_phrase(routine: Routine, plan: Plan | None) -> str:
    """'at 07:30, 19:00 Europe/Berlin' from a plan, else the routine's frequency."""
    if plan and plan.times:
        times = ", ".join(t.strftime("%H:%M") for t in plan.times)
        return _("at {times} {timezone}").format(times=times, timezone=plan.timezone)
    return routine.frequency.text


def bouts_per_day(routine: Routine, plan: Plan | None) -> int:
    return len(plan.times) if plan and plan.times else routine.frequency.per_day_max


ONE_SESSION_NOTE = N_("wger keeps one session a day: log every bout of the day in that one session.")


def description(routine: Routine, plan: Plan | None, overflow: Sequence[str], limits: Limits) -> str:
    """Cautions in full, the routine's description, overflow and the marker; then nice-to-have lines.

    Raises InvalidRoutine when the must-have text alone exceeds the field: naming
    ``exercises`` when the cautions and notes do not fit, ``description`` when the
    routine's own description is what no longer fits.
    """
    cautions = [
        *([routine.notice] if routine.notice else []),
        _("CAUTIONS (read first)"),
        *(f"- {line}" for line in caution_lines(routine.cautions)),
    ]
    marker = f"{MARKER} {routine.id}"
    without = "\n".join([*cautions, *overflow, marker])
    if len(without) > limits.description:
        raise InvalidRoutine(
            N_(
                "wger: the cautions and notes of '{routine}' need {need} characters; "
                "wger's description holds {most}"
            ),
            field="exercises",
            values={"routine": routine.id, "need": len(without), "most": limits.description},
        )
    # During a pain hold the warning comes first and the routine's own description gives way
    # to it where both do not fit (docs/catalog.md#progression): it is known from the first push.
    keep_description = bool(routine.description) and not (
        routine.notice
        and len("\n".join([*cautions, routine.description, *overflow, marker])) > limits.description
    )
    must = [*cautions, routine.description, *overflow] if keep_description else [*cautions, *overflow]
    text = "\n".join([*must, marker])
    if len(text) > limits.description:
        room = limits.description - len(without) - 1
        raise InvalidRoutine(
            N_(
                "wger: the description has room for {room} characters next to the routine's "
                "cautions, not {length}"
            ),
            field="description",
            values={"room": max(room, 0), "length": len(routine.description)},
        )
    optional = [
        _("{name}: {duration}, {frequency}").format(
            name=routine.name,
            duration=seconds_phrase(routine.duration_s),
            frequency=when_phrase(routine, plan),
        )
        + "."
    ]
    if bouts_per_day(routine, plan) > 1:
        optional.append(_(ONE_SESSION_NOTE))
    lines = list(must)
    for line in optional:
        if len("\n".join([*lines, line, marker])) <= limits.description:
            lines.append(line)
    return "\n".join([*lines, marker])


def name_and_overflow(name: str, limit: int, what: str) -> tuple[str, list[str]]:
    if len(name) <= limit:
        return name, []
    head, _rest = split_words(name, limit)
    return head, [f"{what}: {name}"]

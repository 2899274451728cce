"""A CSV in the Strong export layout, which Hevy and Strong both import.

One row per logged set: a hold, push or continuous block is a set with its
``Seconds``; counted work is a set with its ``Reps``. Work done on each leg is
two exercises, "(left leg)" then "(right leg)", as in the Hevy routine. Strong
writes 0 for numbers that do not apply and leaves RPE empty. Every row carries
the exercise's notes (side, dose, cue, its cautions) and the routine's cautions
in ``Workout Notes``; notes are one line each because importers differ on
line breaks inside quoted fields.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from plugin.catalog.model import DoseKind, Routine, RoutineEntry
from plugin.formats.text import entry_note_lines, logged_sets_per_set, notes_lines, side_phrase

MEDIA_TYPE = "text/csv"
EXTENSION = "csv"

HEADER = (
    "Date",
    "Workout Name",
    "Duration",
    "Exercise Name",
    "Set Order",
    "Weight",
    "Reps",
    "Distance",
    "Seconds",
    "Notes",
    "Workout Notes",
    "RPE",
)

# The reference exports use one fixed start so that exports/ never drifts.
REFERENCE_START = datetime(2026, 1, 5, 7, 0, 0)


def duration_text(seconds: int) -> str:
    """Strong's workout duration: '45m', '1h 5m' (whole minutes, rounded up, at least 1m)."""
    minutes = max(1, -(-seconds // 60))
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"


def exercise_name(entry: RoutineEntry, side: str | None) -> str:
    name = entry.exercise.name
    return f"{name} ({side_phrase(side)})" if side else name


def set_rows(entry: RoutineEntry) -> list[tuple[int, int]]:
    """(reps, seconds) for each logged set of one side."""
    dose = entry.dose
    if dose.kind is DoseKind.COUNTED:
        return [(dose.reps, 0)] * dose.sets
    return [(0, dose.work_s)] * (dose.sets * logged_sets_per_set(dose))


def rows(routine: Routine, started_at: datetime) -> list[list[str]]:
    """Every row after the header, for a session of ``routine`` starting at ``started_at``."""
    date = started_at.strftime("%Y-%m-%d %H:%M:%S")
    duration = duration_text(routine.duration_s)
    workout_notes = " ".join(notes_lines(routine))
    out = []
    for entry in routine.entries:
        for side in entry.dose.sides:
            name = exercise_name(entry, side)
            notes = " ".join(entry_note_lines(entry, side))
            for order, (reps, seconds) in enumerate(set_rows(entry), start=1):
                out.append(
                    [
                        date,
                        routine.name,
                        duration,
                        name,
                        str(order),
                        "0",
                        str(reps),
                        "0",
                        str(seconds),
                        notes,
                        workout_notes,
                        "",
                    ]
                )
    return out


def export_at(routine: Routine, started_at: datetime) -> bytes:
    """The routine as Strong-layout CSV bytes for a session starting at ``started_at``."""
    buffer = io.StringIO()
    # RFC 4180 §2: quoting as needed and CRLF line ends (Strong's own export writes "\n";
    # Strong, Hevy and spreadsheets read both).
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows(routine, started_at))
    return buffer.getvalue().encode("utf-8")


def export(routine: Routine) -> bytes:
    """The reference CSV: the routine as one session on a fixed date."""
    return export_at(routine, REFERENCE_START)

"""A pain hold's warning (a routine's ``notice``) opens the notes of every target, cautions after it."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from test_formats_fit import decode, strings

from plugin import catalog
from plugin.catalog.progress import PainReport, progress
from plugin.formats import canonical, fit, garmin, hevy, ical, weekly, wger
from plugin.formats import csv as csv_format
from plugin.formats.text import caution_line

HELD = progress(
    date(2026, 11, 2), [PainReport("p7", datetime(2026, 11, 25, 6, 0, tzinfo=UTC), 7)], "Europe/Berlin", 4
)


def held(routine_id: str):
    routine = weekly.routine_on(catalog.builtin_routine(routine_id), HELD, date(2026, 11, 26))
    assert routine.notice.startswith("⚠ You reported pain 7/10 on 2026-11-25 07:00.")
    return routine


@pytest.mark.parametrize("routine_id", [r.id for r in catalog.builtin_routines()])
def test_every_format_puts_the_warning_first(routine_id):
    routine = held(routine_id)
    first_caution = caution_line(routine.cautions[0])
    assert hevy.routine_notes(routine).startswith(hevy.clean_note(routine.notice) + "\n" + first_caution)
    workout = json.loads(garmin.export(routine))
    assert workout["description"].startswith(routine.notice + "\n" + first_caution)
    (row, *_) = csv.DictReader(io.StringIO(csv_format.export(routine).decode("utf-8")))
    assert row["Workout Notes"].startswith(routine.notice)
    assert strings(decode(fit.export(routine)))[1].startswith(routine.notice[:40])
    assert canonical.routine_dict(routine)["notice"] == routine.notice
    # wger takes it whole, before its cautions, even where the routine's own description gives way.
    requests = json.loads(wger.export(routine))["requests"]
    assert requests[0]["body"]["description"].startswith(routine.notice + "\nCAUTIONS (read first)")
    description = ical.description(routine)
    assert description.startswith(routine.notice + "\n\nCAUTIONS (read first)")


def test_without_a_hold_nothing_comes_before_the_cautions():
    routine = weekly.routine_on(catalog.builtin_routine("daily-hamstring"), HELD, date(2026, 12, 20))
    assert routine.notice == ""
    assert hevy.routine_notes(routine).startswith(caution_line(routine.cautions[0]))
    assert ical.description(routine).startswith("CAUTIONS (read first)")

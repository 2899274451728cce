"""The Strong-layout CSV, read back by Python's csv module and by a strict RFC 4180 reader."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest

from plugin import catalog
from plugin.catalog.model import DoseKind
from plugin.formats import csv as strong_csv
from plugin.formats.text import caution_line

ROUTINES = catalog.builtin_routines()
HEADER_LINE = (
    "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE"
)


def strict_rfc4180(text: str) -> list[list[str]]:
    """Split records and fields by RFC 4180 §2 alone, failing on anything it does not allow."""
    records: list[list[str]] = []
    assert text.endswith("\r\n"), "RFC 4180 §2.2: the last record ends with CRLF here too"
    for line_no, line in enumerate(text.split("\r\n")[:-1], start=1):
        assert "\r" not in line and "\n" not in line, f"line {line_no}: a bare CR or LF, not CRLF"
        fields: list[str] = []
        i = 0
        while True:
            if line.startswith('"', i):
                j, value = i + 1, []
                while True:
                    k = line.index('"', j)  # a quoted field must close on its line (we write no line breaks)
                    value.append(line[j:k])
                    if line.startswith('""', k):
                        value.append('"')
                        j = k + 2
                        continue
                    i = k + 1
                    break
                fields.append("".join(value))
            else:
                end = line.find(",", i)
                raw = line[i:] if end < 0 else line[i:end]
                assert '"' not in raw, f"line {line_no}: a quote inside an unquoted field"
                fields.append(raw)
                i = len(line) if end < 0 else end
            if i == len(line):
                break
            assert line[i] == ",", f"line {line_no}: text after a closing quote"
            i += 1
            if i == len(line):
                fields.append("")
                break
        records.append(fields)
    return records


@pytest.mark.parametrize("routine", ROUTINES, ids=lambda r: r.id)
def test_both_readers_agree_and_every_set_hold_side_and_caution_is_there(routine):
    text = strong_csv.export(routine).decode("utf-8")
    assert text.split("\r\n", 1)[0] == HEADER_LINE
    assert text.endswith("\r\n")
    by_csv = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    by_hand = strict_rfc4180(text)
    assert by_csv == by_hand
    header, *rows = by_csv
    assert header == list(strong_csv.HEADER)
    assert all(len(row) == 12 for row in rows)

    records = [dict(zip(header, row, strict=True)) for row in rows]
    expected_rows = 0
    for entry in routine.entries:
        dose = entry.dose
        per_side = dose.sets if dose.kind is DoseKind.COUNTED else dose.sets * dose.reps
        for side in dose.sides:
            name = f"{entry.exercise.name} ({side} leg)" if side else entry.exercise.name
            mine = [r for r in records if r["Exercise Name"] == name]
            assert [int(r["Set Order"]) for r in mine] == list(range(1, per_side + 1))
            for r in mine:
                if dose.kind is DoseKind.COUNTED:
                    assert (r["Reps"], r["Seconds"]) == (str(dose.reps), "0")
                else:
                    assert (r["Reps"], r["Seconds"]) == ("0", str(dose.work_s))
                assert all(caution_line(c) in r["Notes"] for c in entry.exercise.cautions)
                if side:
                    assert r["Notes"].startswith(f"{side.capitalize()} leg")
            expected_rows += per_side
    assert len(records) == expected_rows
    for r in records:
        assert r["Date"] == "2026-01-05 07:00:00"
        assert r["Workout Name"] == routine.name
        assert (r["Weight"], r["Distance"], r["RPE"]) == ("0", "0", "")
        assert all(caution_line(c) in r["Workout Notes"] for c in routine.cautions)


def test_quotes_and_commas_in_text_are_quoted_by_the_rules():
    routine = catalog.builtin_routine("daily-hamstring")
    text = strong_csv.export(routine).decode("utf-8")
    row = text.split("\r\n")[1]
    # Notes hold commas, so they are quoted; the plain fields are not.
    assert row.startswith("2026-01-05 07:00:00,Daily hamstring stretch,")
    assert ',"Left leg (then the right leg). Lying hamstring stretch: hold 30 s' in row


@pytest.mark.parametrize(
    ("seconds", "text"), [(20, "1m"), (60, "1m"), (61, "2m"), (3600, "1h 0m"), (3900, "1h 5m")]
)
def test_duration_is_written_the_way_strong_writes_it(seconds, text):
    assert strong_csv.duration_text(seconds) == text


def test_a_session_date_can_be_given():
    routine = catalog.builtin_routine("wall-hamstring")
    body = strong_csv.export_at(routine, datetime(2026, 11, 20, 18, 30, 5)).decode()
    assert {row[0] for row in list(csv.reader(io.StringIO(body)))[1:]} == {"2026-11-20 18:30:05"}


def test_the_api_serves_the_csv_as_a_download(client):
    answer = client.get("/routines/desk-break/export/csv")
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="desk-break.csv"'
    assert answer.data == strong_csv.export(catalog.builtin_routine("desk-break"))

"""An installation's plan lives in a calendar; its completed sessions show there as done.

Read by two independent parsers (icalendar + recurring-ical-events, and vobject).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hostkit import Host, host_config, session_body
from ical_readers import with_icalendar, with_vobject

from plugin.store.calendars import CalendarRow

BERLIN = ZoneInfo("Europe/Berlin")
PLAN = {
    "routines": ["daily-hamstring"],
    "times": ["07:00"],
    "timezone": "Europe/Berlin",
    "days": ["MO", "WE", "FR"],
    "start": "2026-11-16",
}


@pytest.fixture
def app_config(database_config, tmp_path):
    # The sessions here have fixed dates: a ten-year window keeps them inside it whatever today is.
    return {
        **host_config(database_config, tmp_path),
        "FEED_HISTORY_DAYS": 3660,
        "BASE_URL": "https://stretch.example",
    }


@pytest.fixture
def host(client):
    host = Host(client)
    answer = host.install(plan=PLAN).json
    host.feed_path = answer["calendarUrl"].removeprefix("https://stretch.example")
    host.calendar_id = answer["calendarId"]
    return host


def local(text: str) -> str:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN).isoformat()


@pytest.mark.parametrize("reader", [with_icalendar, with_vobject], ids=["icalendar", "vobject"])
def test_a_session_marks_its_occurrence_done_and_an_off_plan_one_is_its_own_event(client, host, reader):
    on_plan = session_body("wed-am", started_at=local("2026-11-18 07:04"), pain=3)
    off_plan = session_body(
        "wed-noon", routine="trunk-rotation", started_at=local("2026-11-18 12:00"), exercises=[]
    )
    assert host.import_session(on_plan).status_code == 201
    assert host.import_session(off_plan).status_code == 201
    body = client.get(host.feed_path).data
    found = {o.local: o for o in reader(body, date(2026, 11, 16), date(2026, 11, 20))}
    assert sorted(found) == [
        datetime(2026, 11, 16, 7, 0),
        datetime(2026, 11, 18, 7, 0),  # the 07:04 session sits on the 07:00 occurrence
        datetime(2026, 11, 18, 12, 0),
        datetime(2026, 11, 20, 7, 0),
    ]
    done = found[datetime(2026, 11, 18, 7, 0)]
    assert done.summary.startswith("✓ ")
    left, right = (
        f"Lying hamstring stretch, {side} leg: 1 set, 1 rep, hold 30 s" for side in ("left", "right")
    )
    assert f"Done: 7 min: {left}; {right}." in done.description
    assert "Pain 3/10" in done.description
    # The override says what was done and links to the routine; the series keeps its full text.
    assert "https://stretch.example/routine/daily-hamstring" in done.description
    assert "Stop rule" not in done.description
    series_text = found[datetime(2026, 11, 16, 7, 0)].description
    assert series_text.startswith("CAUTIONS (read first)") and "Stop rule" in series_text
    series_uid = found[datetime(2026, 11, 16, 7, 0)].uid
    assert done.uid == series_uid  # an override of the series (RECURRENCE-ID), not a new event
    assert not found[datetime(2026, 11, 16, 7, 0)].summary.startswith("✓")
    extra = found[datetime(2026, 11, 18, 12, 0)]
    assert extra.summary == "✓ Trunk rotation" and extra.uid != series_uid


def test_the_override_carries_recurrence_id(client, host):
    host.import_session(session_body("fri", started_at=local("2026-11-20 06:50")))
    body = client.get(host.feed_path).data.decode()
    assert "RECURRENCE-ID;TZID=Europe/Berlin:20261120T070000" in body


def test_the_installation_reads_its_calendar_and_no_other(client, host):
    other = Host(client)
    other_calendar = other.install(plan=PLAN).json["calendarId"]
    mine = host.call("GET", f"/hooks/calendars/{host.calendar_id}.ics")
    assert mine.status_code == 200 and mine.mimetype == "text/calendar"
    assert mine.data == client.get(host.feed_path).data
    refused = host.call("GET", f"/hooks/calendars/{other_calendar}.ics")
    assert refused.status_code == 404 and refused.mimetype == "application/problem+json"


def test_uninstall_revokes_the_calendar(client, db, host):
    assert host.uninstall().status_code == 204
    assert client.get(host.feed_path).status_code == 410
    with db.unit_of_work() as session:
        (row,) = session.query(CalendarRow).all()
        assert (row.installation_id, row.spec, row.feed_body) == (None, None, None)


def test_reinstalling_with_another_plan_changes_the_same_calendar(client, host):
    before = client.get(host.feed_path).data
    answer = host.install(plan={**PLAN, "times": ["07:30"]}).json
    assert "calendarUrl" not in answer and answer["calendarId"] == host.calendar_id
    after = client.get(host.feed_path).data
    assert after != before and b"T073000" in after and b"SEQUENCE:1" in after

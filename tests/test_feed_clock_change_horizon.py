"""A feed nobody changes still pins the clock changes ahead of it (docs/icalendar.md#clock-changes).

Overrides cover CLOCK_CHANGE_YEARS from the series' first day, and a stored feed is served
until something renders it again: a calendar subscribed once and left alone must not lose
its pinned occurrences when those years have passed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import icalendar
import pytest

from plugin import clock
from plugin.formats import ical

SPRING_2032 = date(2032, 3, 28)  # Berlin's clock change: 02:30 does not exist that day


@pytest.fixture
def app_config(database_config):
    return {"TESTING": True, "BASE_URL": "http://localhost", **database_config}


def pinned_days(body: bytes) -> set[date]:
    events = icalendar.Calendar.from_ical(body).walk("VEVENT")
    return {e["RECURRENCE-ID"].dt.date() for e in events if "RECURRENCE-ID" in e}


def test_a_feed_left_alone_for_years_still_pins_the_clock_changes_ahead(client, monkeypatch):
    plan = {
        "routines": ["daily-hamstring"],
        "days": ["SU"],
        "times": ["02:30"],
        "timezone": "Europe/Berlin",
        "start": clock.now().date().isoformat(),
    }
    answer = client.post("/calendars", json=plan)
    assert answer.status_code == 201, answer.get_json()
    token = answer.get_json()["token"]
    first = client.get(f"/calendars/{token}.ics")
    assert first.status_code == 200
    assert SPRING_2032.year - clock.now().year >= ical.CLOCK_CHANGE_YEARS  # beyond the first render's reach
    assert SPRING_2032 not in pinned_days(first.data)

    later = datetime(2032, 3, 1, 12, 0, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: later)
    again = client.get(f"/calendars/{token}.ics")
    assert again.status_code == 200
    assert SPRING_2032 in pinned_days(again.data)

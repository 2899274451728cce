"""The subscribe page: the same schema and service as POST /calendars, errors beside the fields."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import icalendar
import pytest
from sqlalchemy import func, select

from plugin.store.calendars import CalendarRow

GOOD = {
    "routines": ["contract-relax", "trunk-rotation"],
    "days": ["MO", "WE", "FR"],
    "times": "07:30, 18:00",
    "timezone": "Europe/Berlin",
    "reminders": ["10", "60"],
    "name": "Morning and evening",
}


class _Errors(HTMLParser):
    """Map each field-error paragraph to the form field it belongs to, and collect input values."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: dict[str, str] = {}
        self.values: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self._current: str | None = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "p" and "field-error" in (values.get("class") or ""):
            self._current = values["id"].removesuffix("-error")
            self.errors[self._current] = ""
        if tag == "input" and values.get("id"):
            self.values[values["id"]] = values.get("value") or ""
        if tag == "a" and values.get("id"):
            self.links[values["id"]] = values.get("href") or ""

    def handle_data(self, data):
        if self._current:
            self.errors[self._current] += data

    def handle_endtag(self, tag):
        if tag == "p":
            self._current = None


def _read(markup: str) -> _Errors:
    parsed = _Errors()
    parsed.feed(markup)
    return parsed


def _calendars(db) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(CalendarRow))


def test_the_form_is_labelled_and_valid(html_page):
    markup = html_page("/subscribe?routine=desk-break")  # checks every field has its <label for>
    assert re.search(r'id="routine-desk-break"[^>]*checked', markup)
    assert not re.search(r'id="routine-contract-relax"[^>]*checked', markup)
    assert "data-from-browser" in markup  # the script may preselect the browser's zone
    for code in ("MO", "TU", "WE", "TH", "FR", "SA", "SU"):
        assert re.search(rf'id="day-{code}"[^>]*checked', markup)
    assert "<option>Europe/Berlin</option>" in markup


def test_subscribing_gives_a_working_private_feed(client, db, valid_html):
    response = client.post("/subscribe", data=GOOD)
    assert response.status_code == 201
    # The page shows the token: no shared cache keeps it, no Referer carries it on.
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    markup = response.get_data(as_text=True)
    valid_html(markup)
    page = _read(markup)
    feed_url = page.values["feed-url"]
    assert re.fullmatch(r"http://localhost/calendars/[A-Za-z0-9_-]{40,}\.ics", feed_url)
    assert page.links["webcal-link"] == "webcal://" + feed_url.removeprefix("http://")
    for words in ("Google Calendar", "Apple Calendar", "Outlook", "every several hours"):
        assert words in markup
    assert _calendars(db) == 1

    feed = client.get(feed_url.removeprefix("http://localhost"))
    assert feed.status_code == 200
    assert feed.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(feed.data)
    events = [c for c in calendar.walk("VEVENT")]
    # One series per routine and time of day, on the chosen days, in the chosen zone.
    assert len(events) == 4
    for event in events:
        assert event["RRULE"]["BYDAY"] == ["MO", "WE", "FR"]
        assert str(event["DTSTART"].dt.tzinfo) == "Europe/Berlin"
        assert {event["DTSTART"].dt.strftime("%H:%M") for event in events} == {"07:30", "18:00"}
    triggers = {str(alarm["TRIGGER"].dt) for event in events for alarm in event.walk("VALARM")}
    assert triggers == {"-1 day, 23:50:00", "-1 day, 23:00:00"}


BAD = [
    ({"times": "25:00"}, "times", "'25:00'"),
    ({"times": "7.30"}, "times", "'7.30'"),
    ({"times": ""}, "times", "Give 1 to 6 times"),
    ({"times": "06:00, 07:00, 08:00, 09:00, 10:00, 11:00, 12:00"}, "times", "Give 1 to 6 times"),
    ({"times": "07:30, 07:30"}, "times", "appears twice"),
    ({"routines": []}, "routines", "Pick at least one routine"),
    ({"routines": ["no-such-routine"]}, "routines", "unknown routine 'no-such-routine'"),
    ({"days": []}, "days", "Pick at least one day"),
    ({"days": ["XX"]}, "days", "'XX'"),
    ({"timezone": "Mars/Olympus"}, "timezone", "unknown timezone 'Mars/Olympus'"),
    ({"timezone": ""}, "timezone", "unknown timezone"),
    ({"reminders": ["ten"]}, "reminders", "'ten' is not a number of minutes"),
    ({"reminders": ["-5"]}, "reminders", "'-5'"),
    ({"name": "x" * 201}, "name", ""),
]


@pytest.mark.parametrize(("change", "field", "says"), BAD, ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_is_shown_beside_its_field(client, db, valid_html, change, field, says):
    response = client.post("/subscribe", data={**GOOD, **change})
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    markup = response.get_data(as_text=True)
    valid_html(markup)
    page = _read(markup)
    assert list(page.errors) == [field]
    assert says in page.errors[field].replace("&#39;", "'")
    assert f'href="#{field}"' in markup  # the summary at the top links to the field
    assert _calendars(db) == 0  # nothing half-written
    # What the person typed is still there to correct.
    assert page.values["name"] == (change.get("name") or GOOD["name"]).strip()


@pytest.mark.parametrize(("change", "field", "says"), BAD, ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD)])
def test_the_api_refuses_the_same_input_for_the_same_field(client, change, field, says):
    body = {**GOOD, **change}
    api_body = {
        **body,
        "times": [t for t in re.split(r"[\s,;]+", body["times"]) if t],
        "reminders": [int(r) if r.lstrip("-").isdigit() else r for r in body["reminders"]],
    }
    answer = client.post("/calendars", json=api_body)
    assert answer.status_code == 422
    assert {key.split(".")[0] for key in answer.json["errors"]} == {field}

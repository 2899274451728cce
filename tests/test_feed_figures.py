"""The live feed shows each exercise's drawing (RFC 7986 IMAGE) when the server knows its address."""

from __future__ import annotations

import icalendar
import pytest

from plugin import catalog

PLAN = {"routines": ["daily-hamstring"], "times": ["07:30"], "timezone": "Europe/Berlin"}


@pytest.fixture
def app_config(database_config):
    return {"TESTING": True, **database_config, "BASE_URL": "https://stretch.example"}


def test_each_series_links_the_drawings_that_this_server_serves(client):
    created = client.post("/calendars", json=PLAN)
    assert created.status_code == 201
    body = client.get(f"/calendars/{created.get_json()['token']}.ics").data
    every_series = [e for e in icalendar.Calendar.from_ical(body).walk("VEVENT") if "RRULE" in e]
    assert len(every_series) == catalog.builtin_routine("daily-hamstring").weeks  # one per weekly step
    routine = catalog.builtin_routine("daily-hamstring")
    for series in every_series:
        images = series.get("IMAGE")
        images = images if isinstance(images, list) else [images]
        assert len(images) == len({e.exercise.id for e in routine.entries})
        exercise_ids = dict.fromkeys(e.exercise.id for e in routine.entries)
        for image, exercise_id in zip(images, exercise_ids, strict=True):
            url = str(image)
            assert url.startswith(f"https://stretch.example/exercises/{exercise_id}/figure.svg?v=")
            drawing = client.get(url.removeprefix("https://stretch.example"))
            assert drawing.status_code == 200 and drawing.mimetype == "image/svg+xml"

"""Exports on request: the start a timed format reads from the export API's query."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from plugin.errors import InvalidInput
from plugin.services.exports import start_from_query

BERLIN = "Europe/Berlin"


def test_the_export_start_defaults_to_tomorrow_morning_in_the_zone():
    now = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # already the 23rd in Berlin
    start = start_from_query({"timezone": BERLIN}, now)
    assert start == datetime(2026, 11, 24, 7, 0, tzinfo=ZoneInfo(BERLIN))


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"start": "tomorrow"}, "start"),
        ({"start": "2026-11-23T07:00+01:00"}, "start"),
    ],
)
def test_a_bad_export_start_names_its_field(query, field):
    with pytest.raises(InvalidInput) as err:
        start_from_query(query, datetime(2026, 11, 22, tzinfo=UTC))
    assert err.value.field == field

"""VTIMEZONE components: the offsets a reader derives from them agree with zoneinfo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from plugin.formats import vtimezone


@pytest.mark.parametrize(
    "tzid",
    [
        "Europe/Berlin",
        "America/New_York",
        "Australia/Sydney",
        "Asia/Kolkata",
        "America/Sao_Paulo",
        "Africa/Casablanca",
        "Pacific/Chatham",
    ],
)
def test_vtimezone_agrees_with_zoneinfo_when_read_by_vobject(tzid):
    from_year = 2026
    cal = icalendar.Calendar()
    cal.add("prodid", "-//stretchsync//tests//EN")
    cal.add("version", "2.0")
    cal.add_component(vtimezone.vtimezone(tzid, from_year))
    parsed = vobject.readOne(cal.to_ical().decode())
    theirs = parsed.vtimezone.gettzinfo()
    ours = ZoneInfo(tzid)
    instant = datetime(from_year + 1, 1, 1, tzinfo=UTC)
    while instant < datetime(from_year + vtimezone.RULE_CHECK_YEARS, 1, 1, tzinfo=UTC):
        assert instant.astimezone(theirs).utcoffset() == instant.astimezone(ours).utcoffset(), instant
        instant += timedelta(hours=5)

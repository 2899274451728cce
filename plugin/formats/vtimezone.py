"""VTIMEZONE components (RFC 5545 §3.6.5) written with yearly RRULE observances.

Pure: zoneinfo in, an icalendar ``Timezone`` out. The feed and the one-off export
(``plugin.formats.ical``) put one in front of every TZID they use.
"""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

from plugin.catalog.model import WEEKDAYS

# Years of zoneinfo transitions a VTIMEZONE's yearly rules are checked against.
RULE_CHECK_YEARS = 6


@dataclass(frozen=True)
class _Transition:
    at_utc: datetime
    offset_from: timedelta
    offset_to: timedelta
    name: str
    dst: bool

    @property
    def local_before(self) -> datetime:
        # RFC 5545 §3.6.5: an observance's DTSTART is local time in its TZOFFSETFROM.
        return (self.at_utc + self.offset_from).replace(tzinfo=None)


def _offset(zone: ZoneInfo, at_utc: datetime) -> timedelta:
    return at_utc.astimezone(zone).utcoffset() or timedelta(0)


def _transitions(zone: ZoneInfo, first_year: int, last_year: int) -> list[_Transition]:
    """Every UTC-offset change of ``zone`` in the years given, found by day steps and bisection."""
    found: list[_Transition] = []
    day = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    before = _offset(zone, day)
    while day < end:
        nxt = day + timedelta(days=1)
        after = _offset(zone, nxt)
        if after != before:
            low, high = day, nxt
            while high - low > timedelta(seconds=1):
                mid = low + (high - low) / 2
                if _offset(zone, mid) == before:
                    low = mid
                else:
                    high = mid
            # Clocks going forward start a DAYLIGHT observance, whatever zoneinfo's dst() says:
            # dateutil (under vobject) misplaces transitions of a "negative DST" zone such as
            # Africa/Casablanca whose DAYLIGHT observance has the smaller offset.
            name = high.astimezone(zone).tzname() or ""
            found.append(_Transition(high, before, after, name, after > before))
            before = after
        day = nxt
    return found


@lru_cache(maxsize=256)
def clock_changes(tzid: str, first_year: int, last_year: int) -> tuple[date, ...]:
    """The UTC dates on which ``tzid`` changes its offset in the years given."""
    return tuple(t.at_utc.date() for t in _transitions(ZoneInfo(tzid), first_year, last_year))


def _byday(when: date, last: bool) -> tuple[int, str]:
    code = WEEKDAYS[when.weekday()]
    return (-1 if last else (when.day - 1) // 7 + 1), code


def _nth_weekday(year: int, month: int, nth: int, weekday: int) -> date:
    days = _calendar.monthrange(year, month)[1]
    if nth < 0:
        last = date(year, month, days)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def _yearly_rule(group: list[_Transition]) -> tuple[int, int, str] | None:
    """(month, nth, weekday code) that predicts every transition of ``group``, if one does."""
    first = group[0].local_before
    days_in_month = _calendar.monthrange(first.year, first.month)[1]
    candidates = [_byday(first.date(), last=False)]
    if first.day + 7 > days_in_month:
        candidates.insert(0, _byday(first.date(), last=True))
    for nth, code in candidates:
        weekday = WEEKDAYS.index(code)
        if all(
            t.local_before.month == first.month
            and t.local_before.date() == _nth_weekday(t.local_before.year, first.month, nth, weekday)
            and t.local_before.time() == first.time()
            and (t.offset_from, t.offset_to, t.name)
            == (group[0].offset_from, group[0].offset_to, group[0].name)
            for t in group
        ):
            return first.month, nth, code
    return None


def _observance(transition: _Transition) -> TimezoneStandard | TimezoneDaylight:
    part = TimezoneDaylight() if transition.dst else TimezoneStandard()
    part.add("tzname", transition.name)
    part.add("tzoffsetfrom", transition.offset_from)
    part.add("tzoffsetto", transition.offset_to)
    part.add("dtstart", transition.local_before)
    return part


@lru_cache(maxsize=64)
def vtimezone(tzid: str, from_year: int) -> Timezone:
    """A VTIMEZONE for ``tzid`` valid from ``from_year`` on, written with yearly RRULEs.

    icalendar's ``add_missing_timezones`` writes each observance's transitions as one
    comma-separated RDATE list, and ical.js and vobject read only its first value
    (docs/icalendar.md#vtimezone). So the transitions are taken from zoneinfo for ``RULE_CHECK_YEARS``
    years, each kind (DST on, DST off) is matched to a "n-th (or last) weekday of the
    month at the same local time" rule, and the rule is kept only when it predicts every
    transition of those years, the way CalDAV servers write zones. A zone with no
    changes gets one STANDARD observance; a zone whose changes follow no yearly rule
    gets one observance per transition (single DTSTART, no RDATE list) for those years.
    """
    zone = ZoneInfo(tzid)
    component = Timezone()
    component.add("tzid", tzid)
    transitions = _transitions(zone, from_year, from_year + RULE_CHECK_YEARS - 1)
    if not transitions:
        at = datetime(from_year, 1, 1, tzinfo=UTC)
        offset = _offset(zone, at)
        part = TimezoneStandard()
        part.add("tzname", at.astimezone(zone).tzname() or tzid)
        part.add("tzoffsetfrom", offset)
        part.add("tzoffsetto", offset)
        part.add("dtstart", datetime(1970, 1, 1))
        component.add_component(part)
        return component
    groups = [[t for t in transitions if t.dst], [t for t in transitions if not t.dst]]
    rules = [_yearly_rule(group) if group else None for group in groups]
    yearly = all(rules) and all(len(g) == RULE_CHECK_YEARS for g in groups)
    if not yearly:
        # Irregular zone: one observance per transition keeps every parser right for these years.
        first = transitions[0]
        lead = TimezoneStandard()
        lead.add("tzname", (first.at_utc - timedelta(seconds=1)).astimezone(zone).tzname() or tzid)
        lead.add("tzoffsetfrom", first.offset_from)
        lead.add("tzoffsetto", first.offset_from)
        lead.add("dtstart", datetime(from_year, 1, 1))
        component.add_component(lead)
        for transition in transitions:
            component.add_component(_observance(transition))
        return component
    for group, rule in zip(groups, rules, strict=True):
        assert rule is not None
        month, nth, code = rule
        observance = _observance(group[0])
        observance.add("rrule", {"FREQ": "YEARLY", "BYMONTH": month, "BYDAY": f"{nth}{code}"})
        component.add_component(observance)
    return component

"""The calendar use cases other code reuses: create for an installation, load the plan, re-render."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import icalendar
import pytest
from werkzeug.http import parse_etags

from plugin import catalog
from plugin.config import keyring
from plugin.errors import Gone, InvalidInput, NotFound
from plugin.formats import ical
from plugin.services import calendar_lookup, feeds
from plugin.services import calendars as service
from plugin.store import calendars as repo

FIELDS = {
    "routines": ["wall-hamstring"],
    "days": ["TU", "TH"],
    "times": ["18:00"],
    "timezone": "America/New_York",
    "reminders": [0, 15],
    "start": "2026-11-03",
    "name": "Physio homework",
}


def test_a_calendar_made_for_an_installation_loads_back_as_its_plan(db):
    with db.unit_of_work() as session:
        created = service.create_calendar(session, FIELDS, installation_id="inst-42")
    with db.unit_of_work() as session:
        plan = calendar_lookup.load_plan(session, created.calendar_id)
        owned = repo.of_installation(session, "inst-42")
    assert plan == created.plan
    assert plan.routines == (catalog.builtin_routine("wall-hamstring"),)
    assert (plan.days, plan.times, plan.timezone) == (("TU", "TH"), (time(18, 0),), "America/New_York")
    assert (plan.reminders_min, plan.start, plan.name) == ((0, 15), date(2026, 11, 3), "Physio homework")
    assert [row.id for row in owned] == [created.calendar_id]


def test_load_plan_refuses_unknown_and_revoked_calendars(app, db):
    with db.unit_of_work() as session:
        created = service.create_calendar(session, FIELDS)
        service.revoke_calendar(session, created.manage_token, keyring(app))
    with db.unit_of_work() as session, pytest.raises(Gone):
        calendar_lookup.load_plan(session, created.calendar_id)
    with db.unit_of_work() as session, pytest.raises(NotFound):
        calendar_lookup.load_plan(session, "no-such-id")


def test_invalid_fields_from_any_caller_name_the_field(db):
    with db.unit_of_work() as session, pytest.raises(InvalidInput) as err:
        service.create_calendar(session, {**FIELDS, "times": ["18:00", "6pm"]})
    assert err.value.field == "times.1"
    with db.unit_of_work() as session:
        assert repo.of_installation(session, "inst-42") == []


def test_re_rendering_with_completed_sessions_moves_the_validators_and_shows_the_check(db):
    with db.unit_of_work() as session:
        created = service.create_calendar(session, FIELDS, now=datetime(2026, 11, 1, 12, tzinfo=UTC))
    before = feeds.feed(db, created.token)
    done = [ical.DoneOccurrence("wall-hamstring", datetime(2026, 11, 5, 18, 0), "6 holds of 40 s", "host:9")]
    with db.unit_of_work() as session:
        row = calendar_lookup.find_calendar(session, created.token)
        assert feeds.render_feed(session, row, done, now=datetime(2026, 11, 5, 19, tzinfo=UTC))
    after = feeds.feed(db, created.token, parse_etags(before.etag))
    assert after.body is not None and after.etag != before.etag
    assert after.last_modified == datetime(2026, 11, 5, 19, tzinfo=UTC)
    events = icalendar.Calendar.from_ical(after.body).walk("VEVENT")
    override = next(e for e in events if "RECURRENCE-ID" in e)
    assert str(override["SUMMARY"]).startswith("✓") and "6 holds of 40 s" in str(override["DESCRIPTION"])
    # Rendering the same content again changes nothing a client could see.
    with db.unit_of_work() as session:
        row = calendar_lookup.find_calendar(session, created.token)
        assert not feeds.render_feed(session, row, done, now=datetime(2026, 11, 6, tzinfo=UTC))
    assert feeds.feed(db, created.token, parse_etags(after.etag)).body is None


def test_uninstalling_an_installation_revokes_its_calendars_only(app, db):
    from plugin.services import installations

    with db.unit_of_work() as session:
        owned = service.create_calendar(session, FIELDS, installation_id="inst-7")
        other = service.create_calendar(session, FIELDS, installation_id="inst-8")
        personal = service.create_calendar(session, FIELDS)
    with db.unit_of_work() as session:
        installations.uninstall(session, "inst-7", keyring(app))
    with pytest.raises(Gone):
        feeds.feed(db, owned.token)
    for kept in (other, personal):
        assert feeds.feed(db, kept.token).body
    with db.unit_of_work() as session:
        assert repo.of_installation(session, "inst-7") == []
        row = repo.by_id(session, owned.calendar_id)
        assert (row.installation_id, row.spec, row.feed_body) == (None, None, None)

"""The calendars API over HTTP: subscribe, fetch the feed (conditionally), change, revoke."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from ical_readers import with_icalendar, with_vobject
from sqlalchemy import func, select
from werkzeug.http import parse_options_header

from plugin import catalog
from plugin.store.calendars import CalendarRow

PROBLEM = "application/problem+json"
PLAN = {
    "routines": ["daily-hamstring", "trunk-rotation"],
    "days": ["MO", "WE", "FR"],
    "times": ["07:00", "19:30"],
    "timezone": "Europe/Berlin",
    "reminders": [10],
    "start": "2026-10-19",
    "name": "Morning and evening",
}


@pytest.fixture
def app_config(database_config) -> dict:
    return {"TESTING": True, "SECRET_KEY": "test-secret-for-fernet", **database_config}


def subscribe(client, **changes) -> dict:
    response = client.post("/calendars", json={**PLAN, **changes})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def feed_path(token: str) -> str:
    return f"/calendars/{token}.ics"


def rows(db) -> list[CalendarRow]:
    with db.unit_of_work() as session:
        return list(session.scalars(select(CalendarRow)))


def events(body: bytes) -> list:
    return icalendar.Calendar.from_ical(body).walk("VEVENT")


def test_subscribing_answers_201_with_a_private_feed_url(client, db):
    body = subscribe(client)
    token = body["token"]
    # token_urlsafe: base64url without padding; at least 128 bits of randomness.
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8 >= 128
    assert body["url"] == f"http://localhost/calendars/{token}.ics"
    assert body["webcal_url"] == f"webcal://localhost/calendars/{token}.ics"
    assert body["routines"] == PLAN["routines"] and body["times"] == PLAN["times"]
    assert body["duration_s"] == {r: catalog.builtin_routine(r).duration_s for r in PLAN["routines"]}
    assert body["sequence"] == 0
    # Only a hash of the token is stored, and the token shows up nowhere in the row.
    (row,) = rows(db)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr({c.name: getattr(row, c.name) for c in CalendarRow.__table__.columns})
    assert token.encode() not in (row.feed_body or b"")


def test_the_base_url_setting_makes_the_links(app, client):
    app.config["BASE_URL"] = "https://stretch.example.org/"
    body = subscribe(client)
    assert body["url"].startswith("https://stretch.example.org/calendars/")
    assert body["webcal_url"].startswith("webcal://stretch.example.org/calendars/")


def test_the_feed_is_served_with_validators_and_a_filename(client):
    token = subscribe(client)["token"]
    response = client.get(feed_path(token))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert response.last_modified is not None
    assert "no-cache" in response.headers["Cache-Control"]
    assert response.headers["Content-Disposition"] == 'attachment; filename="morning-and-evening.ics"'
    # One series per time of day for each weekly step of the daily hamstring routine (4 steps),
    # one per time of day for trunk rotation, whose dose stays (docs/icalendar.md#progression).
    steps = catalog.builtin_routine("daily-hamstring").weeks
    assert len(events(response.data)) == len(PLAN["times"]) * (steps + 1) == 10


def test_a_non_ascii_name_downloads_under_rfc_6266_names(client):
    token = subscribe(client, name="Dehnübungen – täglich")["token"]
    disposition = client.get(feed_path(token)).headers["Content-Disposition"]
    # werkzeug parses the header as browsers do: filename* wins, filename is the ASCII fallback.
    value, params = parse_options_header(disposition)
    assert value == "attachment"
    assert params["filename"] == "dehnübungen-täglich.ics"
    assert 'filename="dehnuebungen-taeglich.ics"' in disposition
    assert "filename*=UTF-8''dehn%C3%BCbungen-t%C3%A4glich.ics" in disposition
    assert disposition.isascii()


def test_two_fetches_are_byte_identical_with_the_same_etag(client):
    token = subscribe(client)["token"]
    first, second = client.get(feed_path(token)), client.get(feed_path(token))
    assert first.data == second.data
    assert first.headers["ETag"] == second.headers["ETag"]
    assert first.headers["Last-Modified"] == second.headers["Last-Modified"]


def test_if_none_match_gives_304_without_a_body(client):
    token = subscribe(client)["token"]
    etag = client.get(feed_path(token)).headers["ETag"]
    response = client.get(feed_path(token), headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag
    other = client.get(feed_path(token), headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data


def test_if_modified_since_gives_304_when_nothing_changed(client):
    token = subscribe(client)["token"]
    modified = client.get(feed_path(token)).headers["Last-Modified"]
    assert client.get(feed_path(token), headers={"If-Modified-Since": modified}).status_code == 304


def test_head_answers_like_get_without_a_body(client):
    token = subscribe(client)["token"]
    got, head = client.get(feed_path(token)), client.head(feed_path(token))
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["ETag"] == got.headers["ETag"]
    assert head.headers["Content-Length"] == str(len(got.data))


def test_the_served_feed_is_read_by_two_parsers_as_planned(client):
    token = subscribe(client)["token"]
    body = client.get(feed_path(token)).data
    first, last = date(2026, 10, 19), date(2026, 11, 1)
    for reader in (with_icalendar, with_vobject):
        found = reader(body, first, last)
        assert len(found) == 3 * 2 * 2 * 2
        assert {o.local.strftime("%H:%M") for o in found} == set(PLAN["times"])
        assert {o.local.strftime("%a")[:2].upper() for o in found} == set(PLAN["days"])


def test_a_plan_change_changes_etag_and_sequence_but_not_the_uids(client):
    created = subscribe(client)
    token = created["token"]
    before = client.get(feed_path(token))
    changed = client.patch(
        f"/calendars/{created['manage_token']}", json={"times": ["07:30", "19:30"], "reminders": [5, 15]}
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["sequence"] == 1
    after = client.get(feed_path(token))
    assert after.headers["ETag"] != before.headers["ETag"]
    assert [str(e["UID"]) for e in events(after.data)] == [str(e["UID"]) for e in events(before.data)]
    assert {e["SEQUENCE"] for e in events(after.data)} == {1}
    assert {e["DTSTART"].dt.strftime("%H:%M") for e in events(after.data)} == {"07:30", "19:30"}
    # The client's old copy is stale now.
    stale = client.get(feed_path(token), headers={"If-None-Match": before.headers["ETag"]})
    assert stale.status_code == 200


def test_a_patch_that_changes_nothing_keeps_etag_and_sequence(client):
    created = subscribe(client)
    token = created["token"]
    before = client.get(feed_path(token))
    same = client.patch(f"/calendars/{created['manage_token']}", json={"days": ["FR", "MO", "WE"]})
    assert same.status_code == 200 and same.get_json()["sequence"] == 0
    assert client.get(feed_path(token)).headers["ETag"] == before.headers["ETag"]


def test_show_gives_the_plan_without_secrets(client):
    token = subscribe(client)["token"]
    shown = client.get(f"/calendars/{token}").get_json()
    assert shown["timezone"] == "Europe/Berlin" and "token" not in shown and "manage_token" not in shown


def test_revoking_answers_410_everywhere_and_erases_the_plan(client, db):
    created = subscribe(client)
    token, manage = created["token"], created["manage_token"]
    assert client.delete(f"/calendars/{manage}").status_code == 204
    for response in (
        client.get(feed_path(token)),
        client.head(feed_path(token)),
        client.get(f"/calendars/{token}"),
        client.patch(f"/calendars/{manage}", json={"days": ["MO"]}),
        client.delete(f"/calendars/{manage}"),
    ):
        assert response.status_code == 410
    answer = client.get(feed_path(token))
    assert answer.mimetype == PROBLEM
    text = answer.get_data(as_text=True)
    for routine_id in PLAN["routines"]:
        assert routine_id not in text and catalog.builtin_routine(routine_id).name not in text
    assert PLAN["name"] not in text and PLAN["timezone"] not in text
    (row,) = rows(db)
    assert row.revoked_at is not None
    assert (row.spec, row.feed_body, row.feed_etag) == (None, None, None)


def test_an_unknown_token_is_404(client):
    assert client.get(feed_path("not-a-token")).status_code == 404
    assert client.get("/calendars/not-a-token").status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"routines": ["no-such-routine"]}, "routines.0"),
        ({"routines": []}, "routines"),
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"timezone": "localtime"}, "timezone"),
        ({"times": ["25:00"]}, "times.0"),
        ({"times": ["7:00"]}, "times.0"),
        ({"times": ["07:00", "12:60"]}, "times.1"),
        ({"times": []}, "times"),
        ({"times": ["06:00", "08:00", "10:00", "12:00", "14:00", "16:00", "18:00"]}, "times"),
        ({"days": []}, "days"),
        ({"days": ["MON"]}, "days.0"),
        ({"reminders": [-5]}, "reminders.0"),
        ({"reminders": ["ten"]}, "reminders.0"),
        ({"start": "next week"}, "start"),
        ({"name": ""}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_stores_nothing(client, db, change, field):
    response = client.post("/calendars", json={**PLAN, **change})
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert field in response.get_json()["errors"]
    assert rows(db) == []


@pytest.mark.parametrize("missing", ["routines", "times", "timezone"])
def test_required_fields_are_named_when_missing(client, db, missing):
    body = {k: v for k, v in PLAN.items() if k != missing}
    response = client.post("/calendars", json=body)
    assert response.status_code == 422
    assert missing in response.get_json()["errors"]
    assert rows(db) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Nowhere/Special"}, "timezone"),
        ({"times": ["24:00"]}, "times.0"),
        ({"routines": ["daily-hamstring", "daily-hamstring"]}, "routines"),
        ({"times": ["07:00", "07:00"]}, "times"),
    ],
)
def test_a_bad_patch_is_422_and_changes_nothing(client, change, field):
    created = subscribe(client)
    token = created["token"]
    before = client.get(feed_path(token))
    response = client.patch(f"/calendars/{created['manage_token']}", json=change)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    after = client.get(feed_path(token))
    assert after.data == before.data and after.headers["ETag"] == before.headers["ETag"]


def test_defaults_every_day_ten_minutes_and_today_as_start(client):
    response = client.post(
        "/calendars", json={"routines": ["wall-hamstring"], "times": ["08:15"], "timezone": "Asia/Tokyo"}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["days"] == ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    assert body["reminders"] == [10]
    today_in_tokyo = (datetime.now(UTC) + timedelta(hours=9)).date()
    assert body["start"] == today_in_tokyo.isoformat()


def test_a_feed_built_by_an_older_renderer_is_rebuilt_with_the_same_bytes(client, db):
    token = subscribe(client)["token"]
    before = client.get(feed_path(token))
    with db.unit_of_work() as session:
        row = session.scalars(select(CalendarRow)).one()
        row.feed_fingerprint = "from-an-older-release"
    conditional = client.get(feed_path(token), headers={"If-None-Match": before.headers["ETag"]})
    assert conditional.status_code == 304  # re-rendered, same content, same validator
    with db.unit_of_work() as session:
        old = (
            select(func.count())
            .select_from(CalendarRow)
            .where(CalendarRow.feed_fingerprint == "from-an-older-release")
        )
        assert session.scalar(old) == 0


def test_the_one_off_routine_export_is_an_ics_download(client):
    response = client.get("/routines/contract-relax/export/ics?timezone=Europe/Berlin&start=2026-11-23T07:30")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="contract-relax.ics"'
    (event,) = events(response.data)
    assert event["DTSTART"].dt.isoformat() == "2026-11-23T07:30:00+01:00"
    routine = catalog.builtin_routine("contract-relax")
    assert event["DURATION"].dt == timedelta(seconds=routine.duration_s)
    for caution in routine.cautions:
        assert caution.text in str(event["DESCRIPTION"])


@pytest.mark.parametrize(("query", "field"), [("timezone=Moon/Base", "timezone"), ("start=soon", "start")])
def test_the_one_off_export_names_a_bad_query_field(client, query, field):
    response = client.get(f"/routines/contract-relax/export/ics?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["errors"]

"""Issue 19, finding 1: no input answers 500. Text that no database can keep (a lone surrogate,
a NUL), JSON nested past the limit, huge numbers and FIT fields of the wrong type are 4xx
problem+json naming the field, and nothing is stored."""

from __future__ import annotations

import json

import pytest
from garmin_fit_sdk import Encoder, Profile
from hostkit import HOST_SECRET, Host, host_config, row_counts, session_body
from test_fit_activity import START, activity

MESG = Profile["mesg_num"]
SURROGATE = "\ud800"
NUL = "\x00"


@pytest.fixture
def app_config(database_config, tmp_path):
    return host_config(database_config, tmp_path, STRAVA_VERIFY_TOKEN="verify-me")


@pytest.fixture
def host(client):
    host = Host(client)
    assert host.install().status_code == 201
    return host


def raw_json(value) -> bytes:
    # ensure_ascii writes a lone surrogate as the escape "\ud800", as an attacker's client would.
    return json.dumps(value, ensure_ascii=True).encode()


def deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def assert_refused(response, field: str | None = None, statuses=(422,)) -> None:
    assert response.status_code in statuses, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype in ("application/problem+json", "text/html")
    if field is not None and response.mimetype == "application/problem+json":
        body = response.get_json()
        assert field in body.get("errors", {}), body


@pytest.mark.parametrize("field", ["source_id", "routine", "notes", "source"])
@pytest.mark.parametrize("bad", [SURROGATE, NUL, "a\udfffb", "ok" + NUL])
def test_text_no_database_keeps_is_422_naming_the_field(host, db, field, bad):
    before = row_counts(db)
    response = host.import_session(raw_json({**session_body("s-1"), field: bad}))
    assert_refused(response, field)
    assert row_counts(db) == before


def test_a_surrogate_in_a_nested_text_is_named_by_its_path(host, db):
    body = session_body("s-1")
    body["exercises"][1]["exercise"] = SURROGATE
    response = host.import_session(raw_json(body))
    assert_refused(response, "exercises.1.exercise")


def test_a_surrogate_in_a_key_is_refused(host, db):
    response = host.import_session(raw_json({**session_body("s-1"), SURROGATE: 1}))
    assert_refused(response)


@pytest.mark.parametrize("levels", [200, 1000, 100_000])
def test_json_nested_past_the_limit_is_refused_before_it_is_parsed(host, db, levels):
    before = row_counts(db)
    response = host.import_session(deep(levels))
    assert_refused(response, "body", statuses=(413, 422))
    assert row_counts(db) == before


def test_json_within_the_depth_limit_is_still_read(host):
    body = session_body("nested-ok")
    assert host.import_session(body).status_code == 201


@pytest.mark.parametrize("value", ["1" + "0" * 30, "-1" + "0" * 30, str(2**63), "1e308", "1" + "0" * 5000])
@pytest.mark.parametrize("field", ["duration_s", "pain"])
def test_huge_numbers_are_4xx(host, db, field, value):
    before = row_counts(db)
    raw = json.dumps(session_body("big", **{field: 0})).replace(f'"{field}": 0', f'"{field}": {value}')
    response = host.import_session(raw.encode())
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    assert row_counts(db) == before


@pytest.mark.parametrize("field", ["sets", "reps", "hold_s", "duration_s"])
def test_huge_numbers_in_an_exercise_are_4xx(host, db, field):
    body = session_body("big-ex")
    body["exercises"][0][field] = 2**70
    response = host.import_session(body)
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert row_counts(db)["completed_sessions"] == 0


# --- FIT fields read defensively -----------------------------------------------------------------


def activity_with_list_duration() -> bytes:
    """A recorded activity whose set duration is an array (as a few flipped bits made it)."""
    enc = Encoder()
    enc.write_mesg(
        {
            "mesg_num": MESG["FILE_ID"],
            "type": "activity",
            "manufacturer": "garmin",
            "serial_number": 1234,
            "time_created": START,
        }
    )
    enc.write_mesg(
        {
            "mesg_num": MESG["SET"],
            "timestamp": START,
            "duration": [30.0, 12.5],
            "set_type": "active",
            "repetitions": [1, 2],
            "message_index": 0,
        }
    )
    enc.write_mesg(
        {
            "mesg_num": MESG["SESSION"],
            "timestamp": START,
            "start_time": START,
            "total_elapsed_time": 60.0,
            "sport": "training",
            "message_index": 0,
        }
    )
    return bytes(enc.close())


def test_a_fit_field_of_the_wrong_type_is_422_naming_file(host, db):
    data = activity_with_list_duration()
    response = host.call("POST", "/hooks/import", data, content_type="application/vnd.ant.fit")
    assert_refused(response, "file")
    assert row_counts(db)["completed_sessions"] == 0


def test_a_sound_fit_activity_is_still_stored(host, db):
    data = activity([{"duration": 30.0}], sport_profile_name="daily-hamstring")
    response = host.call("POST", "/hooks/import", data, content_type="application/vnd.ant.fit")
    assert response.status_code == 201, response.get_data(as_text=True)


# --- every other input we accept -----------------------------------------------------------------

PLAN = {"routines": ["daily-hamstring"], "times": ["07:30"], "timezone": "Europe/Berlin"}
ROUTINE = {"name": "Mine", "exercises": [{"exercise": "lying-hamstring", "hold_s": 30}]}


def _created_calendar(client) -> str:
    response = client.post("/calendars", json=PLAN)
    assert response.status_code == 201
    return response.get_json()["token"]


BAD_VALUES = {
    "surrogate": SURROGATE,
    "nul": "x" + NUL,
}


@pytest.mark.parametrize("kind", sorted(BAD_VALUES))
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/routines", {**ROUTINE, "name": None}, "name"),
        ("/routines", {**ROUTINE, "description": None}, "description"),
        ("/calendars", {**PLAN, "name": None}, "name"),
        ("/calendars", {**PLAN, "timezone": None}, "timezone"),
        ("/calendars", {**PLAN, "routines": [None]}, "routines.0"),
    ],
)
def test_bad_text_in_public_bodies_is_422_naming_the_field(client, db, kind, path, body, field):
    body = json.loads(json.dumps(body).replace("null", json.dumps(BAD_VALUES[kind])))
    before = row_counts(db)
    response = client.post(path, data=raw_json(body), content_type="application/json")
    assert_refused(response, field)
    assert row_counts(db) == before


@pytest.mark.parametrize("kind", sorted(BAD_VALUES))
def test_bad_text_in_a_plan_change_is_422(client, db, kind):
    token = _created_calendar(client)
    response = client.patch(
        f"/calendars/{token}", data=raw_json({"name": BAD_VALUES[kind]}), content_type="application/json"
    )
    assert_refused(response, "name")


@pytest.mark.parametrize(
    "path",
    ["/calendars/x{}y", "/calendars/x{}y.ics", "/routines/x{}y", "/exercises/x{}y", "/adherence/x{}y"],
)
def test_a_nul_in_a_path_is_4xx(client, path):
    response = client.get(path.format("%00"))
    assert 400 <= response.status_code < 500, response.status_code


@pytest.mark.parametrize("query", ["routine=%00", "from=2026-01-01T00:00:00%2B00:00%00", "days=1%00"])
def test_a_nul_in_a_query_is_4xx(host, query):
    response = host.call("GET", f"/sessions?{query}")
    assert 400 <= response.status_code < 500, response.status_code


def test_the_subscribe_form_refuses_a_nul_as_a_page(client, db):
    before = row_counts(db)
    response = client.post(
        "/subscribe",
        data={"routines": "daily-hamstring", "days": "mo", "times": "07:30", "timezone": "UTC", "name": NUL},
    )
    assert response.status_code == 422
    assert row_counts(db) == before


@pytest.mark.parametrize("bad", [SURROGATE, NUL])
def test_lifecycle_bodies_refuse_bad_text(client, db, bad):
    host = Host(client)
    before = row_counts(db)
    body = raw_json(host.install_body(base_url="http://127.0.0.1:9/" + bad))
    response = host.call("POST", "/lifecycle/installed", body, secret=HOST_SECRET)
    assert_refused(response, "baseUrl")
    assert row_counts(db) == before


def test_lifecycle_bodies_refuse_deep_json(client, db):
    host = Host(client)
    response = host.call("POST", "/lifecycle/installed", deep(5000), secret=HOST_SECRET)
    assert_refused(response, "body", statuses=(413, 422))


@pytest.mark.parametrize(
    "body",
    [
        raw_json({"object_type": SURROGATE, "object_id": 1, "aspect_type": "create", "owner_id": 1}),
        raw_json({"object_type": "activity", "object_id": 1, "aspect_type": NUL, "owner_id": 1}),
        deep(100_000),
        b'{"object_type": "activity", "object_id": 1' + b"0" * 5000 + b', "aspect_type": "create"}',
    ],
)
def test_the_strava_webhook_refuses_bad_bodies(client, body):
    response = client.post("/webhooks/strava", data=body, content_type="application/json")
    assert_refused(response, statuses=(400, 413, 422))


def test_too_large_a_body_is_413_problem(host):
    response = host.import_session(b" " * (1024 * 1024 + 10))
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("number", ["1" + "0" * 30, "-" + "9" * 5000, "1e400", "NaN"])
@pytest.mark.parametrize(
    ("path", "body", "slot"),
    [
        (
            "/routines",
            {**ROUTINE, "exercises": [{"exercise": "lying-hamstring", "hold_s": 0}]},
            '"hold_s": 0',
        ),
        ("/calendars", {**PLAN, "reminders": [0]}, '"reminders": [0'),
    ],
)
def test_huge_numbers_in_public_bodies_are_4xx(client, db, number, path, body, slot):
    raw = json.dumps(body).replace(slot, slot[:-1] + number)
    before = row_counts(db)
    response = client.post(path, data=raw, content_type="application/json")
    assert 400 <= response.status_code < 500 and response.mimetype == "application/problem+json"
    assert row_counts(db) == before


def test_huge_numbers_in_a_strava_event_are_4xx(client):
    body = b'{"object_type": "activity", "object_id": 1180591620717411303424, "aspect_type": "create",'
    body += b' "owner_id": 1, "event_time": 1}'
    response = client.post("/webhooks/strava", data=body, content_type="application/json")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"


@pytest.mark.parametrize("bad", [SURROGATE, NUL])
def test_every_request_schema_refuses_bad_text_however_the_body_arrives(bad):
    from marshmallow import ValidationError

    from plugin.schemas.plans import PlanSchema

    with pytest.raises(ValidationError) as caught:
        PlanSchema().load({**PLAN, "routines": ["daily-hamstring", bad]})
    assert "routines.1" in caught.value.messages

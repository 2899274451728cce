"""Adherence: a plan's occurrences against completed sessions, streaks and missed days."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hostkit import Host, host_config, session_body

from plugin.catalog.model import CompletedSession
from plugin.schemas.adherence import AdherenceReportSchema
from plugin.services import adherence as adherence_service
from plugin.services import calendar_lookup, calendars
from plugin.services.calendar_adherence import calendar_adherence
from plugin.services.sessions import import_session
from plugin.store.installations import by_client_key

BERLIN = ZoneInfo("Europe/Berlin")
NAME = "Daily hamstring stretch"
NOW = datetime(2026, 11, 20, 20, 0, tzinfo=BERLIN)  # a Friday evening
PLAN = {
    "routines": ["daily-hamstring"],
    "days": ["MO", "TU", "WE", "TH", "FR"],
    "times": ["07:00", "19:00"],
    "timezone": "Europe/Berlin",
    "start": "2026-11-01",
}
DONE = [  # (local start, routine, pain)
    ("2026-11-15 10:00", "daily-hamstring", None),  # Sunday: nothing planned
    ("2026-11-16 07:05", "daily-hamstring", None),
    ("2026-11-16 19:10", "daily-hamstring", None),
    ("2026-11-17 07:00", "daily-hamstring", None),  # Tuesday evening missed
    ("2026-11-18 12:00", "daily-hamstring", None),  # nearest is 07:00
    ("2026-11-18 18:00", "daily-hamstring", None),  # nearest free is 19:00
    ("2026-11-19 07:00", "daily-hamstring", None),
    ("2026-11-19 19:00", "daily-hamstring", None),
    ("2026-11-19 20:00", "daily-hamstring", None),  # a third one: completed, not planned
    ("2026-11-19 21:00", "trunk-rotation", None),  # not in the plan
    ("2026-11-20 07:00", "daily-hamstring", 8),  # today, the evening is still ahead
]


@pytest.fixture
def app_config(database_config, tmp_path):
    return host_config(database_config, tmp_path)


def adherence(session, installation_id, days, now):
    """The report as GET /adherence answers it."""
    return AdherenceReportSchema().dump(adherence_service.adherence(session, installation_id, days, now))


@pytest.fixture
def host(client, db):
    host = Host(client)
    assert host.install(plan=PLAN).status_code == 201
    with db.unit_of_work() as session:
        installation_id = by_client_key(session, host.client_key).id
        for i, (local, routine, pain) in enumerate(DONE):
            started = datetime.fromisoformat(local).replace(tzinfo=BERLIN)
            completed = CompletedSession("host", f"s{i}", routine, started, 300, pain=pain)
            import_session(session, installation_id, completed, None, now=NOW)
    host.installation_id = installation_id
    return host


def test_planned_against_done_per_day_streak_and_missed_days(db, host):
    with db.unit_of_work() as session:
        report = adherence(session, host.installation_id, days=7, now=NOW)
    assert (report["from"], report["to"], report["timezone"]) == ("2026-11-14", "2026-11-20", "Europe/Berlin")
    by_day = {d["date"]: (d["planned"], d["completed"], d["met"], d["done"]) for d in report["per_day"]}
    assert by_day == {
        "2026-11-14": (0, 0, 0, False),
        "2026-11-15": (0, 1, 0, False),
        "2026-11-16": (2, 2, 2, True),
        "2026-11-17": (2, 1, 1, False),
        "2026-11-18": (2, 2, 2, True),
        "2026-11-19": (2, 4, 2, True),
        "2026-11-20": (2, 1, 1, False),
    }
    assert (report["planned"], report["completed"], report["met"]) == (10, 11, 8)
    assert report["rate"] == 0.8
    assert report["current_streak"] == 2  # Wednesday and Thursday; today is not over
    assert report["missed_days"] == ["2026-11-17"]
    assert report["routines"] == [
        {"routine": "daily-hamstring", "planned": 10, "completed": 10, "met": 8},
        {"routine": "trunk-rotation", "planned": 0, "completed": 1, "met": 0},
    ]


def test_a_painful_session_shows_with_its_stop_caution(db, host):
    with db.unit_of_work() as session:
        flagged = adherence(session, host.installation_id, days=7, now=NOW)["flagged"]
    assert len(flagged) == 1
    assert flagged[0]["started_at"] == "2026-11-20T07:00:00+01:00"
    assert flagged[0]["caution"]["stop_rules"][0]["id"] == "stop-if-pain"


def test_today_done_extends_the_streak(db, host):
    later = datetime(2026, 11, 20, 19, 30, tzinfo=BERLIN)
    with db.unit_of_work() as session:
        done = CompletedSession("host", "late", "daily-hamstring", later, 300)
        import_session(session, host.installation_id, done, None, now=later)
        assert adherence(session, host.installation_id, days=7, now=later)["current_streak"] == 3


def test_the_api_answers_for_the_calling_installation_only(client, host):
    other = Host(client)
    other.install()
    other.import_session(session_body("elsewhere"))
    report = host.call("GET", "/adherence", query={"days": 30}).json
    assert report["days"] == 30 and len(report["per_day"]) == 30
    assert report["completed"] <= len(DONE)
    mine = other.call("GET", "/adherence").json
    assert mine["planned"] == 0 and mine["rate"] is None and mine["completed"] == 1


@pytest.mark.parametrize("days", ["0", "367", "many"])
def test_bad_days_are_refused(host, days):
    response = host.call("GET", "/adherence", query={"days": days})
    assert response.status_code == 422
    assert "days" in response.json["errors"]


def test_sessions_filter_by_time_and_routine(host):
    listed = host.call(
        "GET", "/sessions", query={"from": "2026-11-19T00:00:00+01:00", "to": "2026-11-20T00:00:00+01:00"}
    ).json
    assert [s["source_id"] for s in listed] == ["s6", "s7", "s8", "s9"]
    only = host.call("GET", "/sessions", query={"routine": "trunk-rotation"}).json
    assert [s["source_id"] for s in only] == ["s9"]


def test_the_api_and_the_page_read_one_report(db, host):
    # A calendar of the installation's, reached with its token the way the adherence page is.
    with db.unit_of_work() as session:
        spec = calendar_lookup.installation_calendar(session, host.installation_id).spec
        token = calendars.create_calendar(session, spec, installation_id=host.installation_id).token
        page = AdherenceReportSchema().dump(calendar_adherence(session, token, 7, NOW))
        api = adherence(session, host.installation_id, 7, NOW)
    assert page == api
    assert (api["met"], api["name"], api["linked"]) == (8, "Stretching", True)
    assert api["routine_names"] == {"daily-hamstring": NAME}
    assert api["per_day"][-1]["routines"] == {"daily-hamstring": {"planned": 2, "completed": 1, "met": 1}}


def test_the_api_answer_is_described_in_the_openapi_document(client):
    spec = client.get("/openapi.json").get_json()
    answer = spec["paths"]["/adherence"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    described = spec["components"]["schemas"][answer["$ref"].rsplit("/", 1)[1]]["properties"]
    assert {"from", "to", "planned", "met", "rate", "per_day", "flagged", "missed_days"} <= set(described)

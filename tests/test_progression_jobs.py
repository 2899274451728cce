"""The plan's week and pain holds reach the tracker and the calendar: the worker's sweep pushes
a changed week once, as an update; a pain report holds the plan and warns, a low one ends it.

The tracker stand-in is a host on pytest-httpserver (POST creates, PUT updates, as the host
manifest describes); the clock is moved by hand, the rest runs for real.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from hostkit import PLAN, Host, host_config, session_body
from ical_readers import with_icalendar
from pages.htmlcheck import assert_valid_html
from werkzeug import Request, Response

from plugin import catalog, clock
from plugin.jobs import jobs, run_push_to_end
from plugin.services import plan_state
from plugin.store.pushes import PushRow

ROUTES = "/stretchsync/routines"
MONDAY = date(2026, 11, 2)
STOP_RULE = catalog.exercise("lying-hamstring").cautions[2].text


@pytest.fixture
def app_config(database_config, tmp_path):
    return host_config(database_config, tmp_path)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def now(monkeypatch):
    fake = Clock(datetime(2026, 11, 3, 10, 0, tzinfo=UTC))  # Tuesday of week 1
    monkeypatch.setattr(clock, "now", fake)
    return fake


class TrackerStandIn:
    """Creates a routine on POST, updates it on PUT; keeps every body it was sent."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict]] = []

    def __call__(self, request: Request) -> Response:
        body = json.loads(request.get_data())
        self.calls.append((request.method, request.path, body))
        return Response(json.dumps({"id": "r-1"}), status=201 if request.method == "POST" else 200)


@pytest.fixture
def tracker(httpserver):
    stand_in = TrackerStandIn()
    httpserver.expect_request(ROUTES, method="POST").respond_with_handler(stand_in)
    httpserver.expect_request(f"{ROUTES}/r-1", method="PUT").respond_with_handler(stand_in)
    return stand_in


@pytest.fixture
def host(client, httpserver, now, tracker):
    host = Host(client)
    plan = {**PLAN, "start": MONDAY.isoformat(), "times": ["07:00", "19:00"]}
    answer = host.install(base_url=httpserver.url_for("/").rstrip("/"), plan=plan)
    assert answer.status_code == 201, answer.json
    host.feed_path = answer.json["calendarUrl"].split("//", 1)[1].split("/", 1)[1]
    return host


def sweep(app) -> list[str]:
    """Run the worker's minute sweep once, then every push it recorded to its end."""
    db = app.extensions["stretchsync.db"]
    with db.unit_of_work() as session:
        before = {row.id for row in session.query(PushRow)}
    jobs(app).sweep.call_local()
    with db.unit_of_work() as session:
        made = [row.id for row in session.query(PushRow) if row.id not in before]
    for push_id in made:
        assert run_push_to_end(app, push_id) == "delivered"
    return made


def lying(body: dict) -> dict:
    return next(e for e in body["exercises"] if e["exercise"]["id"] == "lying-hamstring")["dose"]


def first_push(app, host) -> None:
    accepted = host.export(["daily-hamstring"])
    assert accepted.status_code == 202
    assert run_push_to_end(app, accepted.json["id"]) == "delivered"


def test_a_week_change_pushes_once_as_an_update(app, host, now, tracker):
    first_push(app, host)
    assert [(m, lying(b)["hold_s"]) for m, _, b in tracker.calls] == [("POST", 15)]
    assert sweep(app) == []  # same week: the tracker has what it should

    now.at += timedelta(days=7)  # week 2
    assert len(sweep(app)) == 1
    assert sweep(app) == []  # once
    now.at += timedelta(days=2)  # still week 2
    assert sweep(app) == []
    assert [(m, p, lying(b)["hold_s"]) for m, p, b in tracker.calls] == [
        ("POST", ROUTES, 15),
        ("PUT", f"{ROUTES}/r-1", 20),
    ]


def test_a_routine_in_an_unfinished_push_is_left_to_it(app, host, now, tracker):
    first_push(app, host)
    now.at += timedelta(days=7)
    db = app.extensions["stretchsync.db"]
    jobs(app).sweep.call_local()
    jobs(app).sweep.call_local()
    with db.unit_of_work() as session:
        assert session.query(PushRow).filter(PushRow.status == "pending").count() == 1


def occurrences(client, host, first: date, last: date):
    body = client.get("/" + host.feed_path).data
    return [o for o in with_icalendar(body, first, last) if "Daily hamstring" in o.summary]


def test_pain_7_holds_warns_and_steps_back_and_pain_2_ends_it(app, client, host, now, tracker):
    now.at = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday of week 4
    first_push(app, host)
    assert lying(tracker.calls[-1][2])["hold_s"] == 30

    # A session at 07:00 on Wednesday of week 4 with pain 7.
    now.at = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    pained = session_body("pain-7", started_at="2026-11-25T06:00:00+00:00", pain=7)
    assert host.import_session(pained).status_code in (200, 201)

    found = occurrences(client, host, date(2026, 11, 25), date(2026, 12, 9))
    # The session itself shows as done (✓, what was done and the pain); every other occurrence warns.
    held = [o for o in found if o.local.date() <= date(2026, 12, 2) and not o.summary.startswith("✓")]
    assert held and all(o.summary.startswith("⚠") for o in held)
    for occurrence in held:
        head = occurrence.description.splitlines()[0]
        assert head.startswith("⚠ You reported pain 7/10 on 2026-11-25 07:00.") and STOP_RULE in head
        assert "physiotherapist or doctor" in head
        assert "hold 25 s" in occurrence.description  # week 4 stepped back to week 3
    assert not [o for o in found if o.local.date() > date(2026, 12, 2) and "⚠" in o.summary]

    # The next push carries the warning first and the stepped-back dose, as an update.
    assert len(sweep(app)) == 1
    method, path, body = tracker.calls[-1]
    assert (method, path) == ("PUT", f"{ROUTES}/r-1")
    assert body["notice"].startswith("⚠ You reported pain 7/10") and STOP_RULE in body["notice"]
    assert lying(body)["hold_s"] == 25
    assert sweep(app) == []

    state = client_state(app)
    assert (state.week, state.hold.pain, state.hold.week) == (3, 7, 3)

    report = host.call("GET", "/adherence", query={"days": 7}).json["plan_state"]
    assert report["week"] == 3 and report["hold"]["reason"] == "pain" and report["hold"]["pain"] == 7
    assert report["hold"]["last_day"] == "2026-12-02"
    assert report["warning"].startswith("⚠")
    assert [e["hold_s"] for e in report["routines"][0]["exercises"]][0] == 25

    # Two days later a session with pain 2: the hold ends after that day.
    now.at = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
    eased = session_body("pain-2", started_at="2026-11-27T06:00:00+00:00", pain=2)
    assert host.import_session(eased).status_code in (200, 201)
    found = occurrences(client, host, date(2026, 11, 28), date(2026, 12, 9))
    assert found and not [o for o in found if "⚠" in o.summary or "⚠" in o.description]
    now.at = datetime(2026, 11, 28, 7, 0, tzinfo=UTC)
    assert len(sweep(app)) == 1
    _, _, body = tracker.calls[-1]
    assert body["notice"] == ""
    report = host.call("GET", "/adherence", query={"days": 7}).json["plan_state"]
    assert report["hold"] is None
    (period,) = report["holds"]
    assert period["ended_early_at"].startswith("2026-11-27T07:00")
    assert period["last_day"] == "2026-11-27"


def client_state(app):
    db = app.extensions["stretchsync.db"]
    with db.unit_of_work() as session:
        from plugin.store.installations import all_rows

        (row,) = all_rows(session)
        return plan_state.installation_state(session, row.id)


def test_two_in_a_row_counts_only_sessions_next_to_each_other(app, client, host, now):
    now.at = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # Friday of week 3
    pains = [(16, 2), (17, 5), (18, 4), (19, 5)]  # a 4 between the two 5s breaks the row
    for day, pain in pains:
        body = session_body(f"s-{day}", started_at=f"2026-11-{day}T06:00:00+00:00", pain=pain)
        assert host.import_session(body).status_code in (200, 201)
    state = host.call("GET", "/adherence", query={"days": 7}).json["plan_state"]
    assert (state["week"], state["hold"], state["holds"]) == (3, None, [])

    body = session_body("s-20", started_at="2026-11-20T06:00:00+00:00", pain=6)
    assert host.import_session(body).status_code in (200, 201)
    state = host.call("GET", "/adherence", query={"days": 7}).json["plan_state"]
    assert state["hold"]["reason"] == "pain_twice" and state["hold"]["pain"] == 6
    assert state["week"] == 2 and state["week_text"] == "week 2 of 4"
    assert state["warning"].startswith("⚠ You reported pain 6/10, the second time in a row on 2026-11-20")


def test_the_adherence_page_shows_the_week_the_dose_and_the_hold(app, client, host, now):
    now.at = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    body = session_body("p7", started_at="2026-11-25T06:00:00+00:00", pain=7)
    assert host.import_session(body).status_code in (200, 201)
    token = host.feed_path.rsplit("/", 1)[1].removesuffix(".ics")
    page = client.get(f"/adherence/{token}").get_data(as_text=True)
    assert "Today is week 3 of 4 of the plan" in page
    assert "Lying hamstring stretch: hold 25 s" in page
    assert "⚠ You reported pain 7/10 on 2026-11-25 07:00." in page
    assert "2026-11-25 to 2026-12-02 at week 3: pain 7/10 on 2026-11-25 07:00" in page
    assert_valid_html(page)

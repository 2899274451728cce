"""wger sessions read back as they are, against a real wger 2.1 server (issue 13).

Local wall-clock times in Berlin and Los Angeles; a plan of two routines twice a
day logged the way wger's log page does it (one session a day, its times written
again on every visit) reading 100 % on /adherence; logs added to the session
later, edits and a deletion in wger followed on the next sync. Each test has a
wger user of its own (wger keeps one session per user and date).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hostkit import Host, host_config
from peer_wger import WgerApi

from plugin.catalog.model import WEEKDAYS

pytestmark = pytest.mark.peer


@pytest.fixture
def app_config(database_config, tmp_path):
    return host_config(database_config, tmp_path, PUSH_BACKOFF_BASE_S=0.01, PUSH_MAX_ATTEMPTS=2)


@pytest.fixture
def wger_user(wger_server) -> tuple[str, WgerApi]:
    token = wger_server.add_user("u" + uuid.uuid4().hex[:10])
    return token, WgerApi(wger_server.url, token)


def day_before_yesterday(zone: str) -> date:
    """A day whose evening is past in every timezone (the store refuses sessions in the future)."""
    return datetime.now(ZoneInfo(zone)).date() - timedelta(days=2)


def installed(client, runner, wger_server, token: str, routines: list[str], zone: str, day: date) -> Host:
    """Install with a plan on ``day``'s weekday only (so the adherence window plans nothing else)."""
    host = Host(client)
    plan = {
        "routines": routines,
        "times": ["07:30", "19:00"],
        "days": [WEEKDAYS[day.weekday()]],
        "timezone": zone,
        "start": (day - timedelta(days=7)).isoformat(),  # the plan covers the days logged
    }
    answer = host.install("wger", wger_server.url, credentials={"token": token}, plan=plan)
    assert answer.status_code in (200, 201), answer.get_data(as_text=True)
    result = runner.invoke(args=["push", host.client_key, "--wait"])
    assert result.exit_code == 0, result.output
    return host


def workouts(runner, host: Host) -> dict[str, int]:
    pushed = json.loads(runner.invoke(args=["push", host.client_key, "--wait"]).stdout.split("\n", 1)[1])
    return {routine: int(ids["workout"]) for routine, ids in pushed["remote_ids"].items()}


def sync(runner, host: Host) -> dict[str, int]:
    result = runner.invoke(args=["sync", host.client_key, "--wait"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def stored(host: Host) -> list[dict]:
    return host.call("GET", "/sessions").get_json()


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/Los_Angeles"])
def test_a_session_logged_at_0730_local_is_stored_at_that_instant_on_that_day(
    client, runner, wger_server, wger_user, zone
):
    token, api = wger_user
    day = day_before_yesterday(zone)
    host = installed(client, runner, wger_server, token, ["trunk-rotation"], zone, day)
    workout = workouts(runner, host)["trunk-rotation"]
    api.log_workout(workout, day, time_start="07:30", time_end="07:34")
    # a day logged without times (the day before) is placed on the plan's time of that day
    undated = day - timedelta(days=7)
    api.log_workout(workout, undated)

    assert sync(runner, host)["new"] == 2
    by_day = {
        datetime.fromisoformat(s["started_at"]).astimezone(ZoneInfo(zone)).date(): s for s in stored(host)
    }
    assert set(by_day) == {day, undated}
    local = datetime.combine(day, time(7, 30), tzinfo=ZoneInfo(zone))
    assert datetime.fromisoformat(by_day[day]["started_at"]) == local
    assert datetime.fromisoformat(by_day[day]["started_at"]).astimezone(UTC) == local.astimezone(UTC)
    placed = datetime.fromisoformat(by_day[undated]["started_at"]).astimezone(ZoneInfo(zone))
    assert (placed.date(), placed.time()) == (undated, time(7, 30))

    report = host.call("GET", "/adherence", query={"days": 7}).get_json()
    (counted,) = [d for d in report["per_day"] if d["date"] == day.isoformat()]
    assert counted["completed"] == 1 and counted["met"] == 1  # counted on its own day


def test_two_routines_twice_a_day_logged_the_wger_way_read_100_percent(
    client, runner, wger_server, wger_user
):
    token, api = wger_user
    zone = "Europe/Berlin"
    day = day_before_yesterday(zone)
    host = installed(client, runner, wger_server, token, ["daily-hamstring", "trunk-rotation"], zone, day)
    ids = workouts(runner, host)
    hamstring, trunk = ids["daily-hamstring"], ids["trunk-rotation"]
    # wger's log page: the first visit makes the day's session; each later visit writes its
    # times again into that one session (wger allows one per user and date) and adds the logs.
    session = api.log_workout(hamstring, day, time_start="07:30", time_end="07:42")
    api.patch(f"workoutsession/{session['id']}", {"time_start": "07:42", "time_end": "07:46"})
    api.log_sets(trunk, day)
    refused = api.http.post(
        f"{api.url}/api/v2/workoutsession/",
        json={"workout": trunk, "date": day.isoformat(), "impression": "3"},
        timeout=10,
    )
    assert refused.status_code == 400  # no second session that day
    api.patch(f"workoutsession/{session['id']}", {"time_start": "19:00", "time_end": "19:12"})
    api.log_sets(hamstring, day)
    api.patch(f"workoutsession/{session['id']}", {"time_start": "19:12", "time_end": "19:16"})
    api.log_sets(trunk, day)

    assert sync(runner, host)["new"] == 4
    bouts = sorted((s["routine"], s["started_at"]) for s in stored(host))
    assert [r for r, _ in bouts] == ["daily-hamstring"] * 2 + ["trunk-rotation"] * 2
    report = host.call("GET", "/adherence", query={"days": 7}).get_json()
    assert (report["planned"], report["met"], report["rate"]) == (4, 4, 1.0)
    assert report["current_streak"] == 1 and report["missed_days"] == []


def test_evening_logs_edits_and_a_deletion_in_wger_are_followed(client, runner, wger_server, wger_user):
    token, api = wger_user
    zone = "America/Los_Angeles"
    day = day_before_yesterday(zone)
    host = installed(client, runner, wger_server, token, ["trunk-rotation"], zone, day)
    workout = workouts(runner, host)["trunk-rotation"]
    session = api.log_workout(workout, day, time_start="07:30", time_end="07:34", notes="stiff")
    assert sync(runner, host)["new"] == 1
    (morning,) = stored(host)

    # the evening bout added to the same session, and the notes edited
    api.log_sets(workout, day)
    api.patch(f"workoutsession/{session['id']}", {"notes": "stiff, better by evening"})
    assert sync(runner, host) == {"new": 1, "updated": 1, "repeated": 0, "deleted": 0, "skipped": 0}
    after = {s["source_id"]: s for s in stored(host)}
    assert len(after) == 2 and after[morning["source_id"]]["id"] == morning["id"]  # kept its id
    assert all(s["notes"] == "stiff, better by evening" for s in after.values())
    evening = next(s for s in after.values() if s["id"] != morning["id"])
    evening_local = datetime.fromisoformat(evening["started_at"]).astimezone(ZoneInfo(zone))
    assert (evening_local.date(), evening_local.time()) == (day, time(19, 0))
    report = host.call("GET", "/adherence", query={"days": 7}).get_json()
    assert report["met"] == 2 and report["rate"] == 1.0

    # deleted in wger (the session with its logs, as wger's delete page offers) → deleted here
    for log in api.get("workoutlog", date=day.isoformat()):
        api.delete(f"workoutlog/{log['id']}")
    api.delete(f"workoutsession/{session['id']}")
    assert sync(runner, host)["deleted"] == 2
    assert stored(host) == []
    assert host.call("GET", "/adherence", query={"days": 7}).get_json()["met"] == 0

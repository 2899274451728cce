"""The plan rules live in one place: every way a plan comes in refuses it with the same field and message.

POST /calendars, the subscribe page, the lifecycle call's ``plan`` (under
``plan.``), ``stretchsync install --routines/--days/--times/--timezone`` and the
service itself all go through plugin.schemas.plans.
"""

from __future__ import annotations

import pytest
from hostkit import Host, host_config, row_counts
from markupsafe import escape

from plugin.errors import InvalidInput
from plugin.schemas.plans import DEFAULTS, MESSAGES
from plugin.services import calendar_lookup, calendars

PLAN = {"routines": ["daily-hamstring"], "times": ["07:00"], "timezone": "Europe/Berlin"}
BAD = [  # (change, field, message, CLI arguments or None where the CLI cannot say it)
    ({"times": ["25:00"]}, "times.0", MESSAGES["time"], ["--times", "25:00"]),
    ({"times": ["07:00", "7.30"]}, "times.1", MESSAGES["time"], ["--times", "07:00,7.30"]),
    ({"times": ["07:00", "07:00"]}, "times", MESSAGES["time_twice"], ["--times", "07:00,07:00"]),
    (
        {"times": [f"{h:02}:00" for h in range(7)]},
        "times",
        MESSAGES["times"],
        ["--times", "00:00,01:00,02:00,03:00,04:00,05:00,06:00"],
    ),
    ({"days": ["MO", "XX"]}, "days.1", MESSAGES["day"], ["--days", "MO,XX"]),
    ({"routines": ["nope"]}, "routines.0", "unknown routine 'nope'", ["--routines", "nope"]),
    (
        {"routines": ["daily-hamstring", "daily-hamstring"]},
        "routines",
        MESSAGES["routine_twice"],
        ["--routines", "daily-hamstring,daily-hamstring"],
    ),
    (
        {"timezone": "Mars/Olympus"},
        "timezone",
        "unknown timezone 'Mars/Olympus'; give an IANA name like Europe/Berlin",
        ["--timezone", "Mars/Olympus"],
    ),
    ({"reminders": [-5]}, "reminders.0", MESSAGES["reminder"], None),
    ({"reminders": [0, 5, 10, 15, 30, 60]}, "reminders", MESSAGES["reminders"], None),
    ({"name": "x" * 201}, "name", MESSAGES["name"], None),
    # The name is a content line of the feed: a line break there once reached a 500.
    ({"name": "Stretching\nX-EVIL:1"}, "name", MESSAGES["name_line"], None),
    ({"name": "Stretch\r\ning"}, "name", MESSAGES["name_line"], None),
]
IDS = [f"{b[1]}-{i}" for i, b in enumerate(BAD)]


@pytest.fixture
def app_config(database_config, tmp_path):
    return host_config(database_config, tmp_path)


@pytest.mark.parametrize(("change", "field", "message", "cli"), BAD, ids=IDS)
def test_the_calendar_api_names_the_field_and_says_why(client, db, change, field, message, cli):
    response = client.post("/calendars", json={**PLAN, **change})
    assert response.status_code == 422
    assert response.json["errors"] == {field: [message]}
    assert row_counts(db)["calendars"] == 0


@pytest.mark.parametrize(("change", "field", "message", "cli"), BAD, ids=IDS)
def test_the_lifecycle_plan_is_refused_the_same_way_under_plan(client, db, change, field, message, cli):
    response = Host(client).install(plan={**PLAN, **change})
    assert response.status_code == 422
    assert response.json["errors"] == {f"plan.{field}": [message]}
    assert row_counts(db)["installations"] == 0


@pytest.mark.parametrize(("change", "field", "message", "cli"), BAD, ids=IDS)
def test_the_service_refuses_any_caller_the_same_way(db, change, field, message, cli):
    with db.unit_of_work() as session, pytest.raises(InvalidInput) as refused:
        calendars.create_calendar(session, {**PLAN, **change})
    assert (refused.value.field, refused.value.message) == (field, message)


@pytest.mark.parametrize(
    ("change", "field", "message", "cli"),
    [b for b in BAD if b[3]],
    ids=[i for i, b in zip(IDS, BAD, strict=True) if b[3]],
)
def test_the_cli_says_the_same_naming_plan_field(runner, db, change, field, message, cli):
    given = {"--routines": "daily-hamstring", "--times": "07:00", "--timezone": "Europe/Berlin"}
    given.update(dict(zip(cli[::2], cli[1::2], strict=True)))
    args = ["install", "host", "--base-url", "http://127.0.0.1:9", *[x for kv in given.items() for x in kv]]
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert f"{message} (plan.{field})" in result.output
    assert row_counts(db)["installations"] == 0


@pytest.mark.parametrize(("change", "field", "message", "cli"), BAD, ids=IDS)
def test_the_subscribe_page_shows_the_same_message(client, db, change, field, message, cli):
    # A browser sends every field; unticked days would be no days at all.
    plan = {**PLAN, "days": DEFAULTS["days"], **change}
    form = {
        **plan,
        "times": ", ".join(plan["times"]),
        "reminders": [str(m) for m in plan.get("reminders", [])],
    }
    response = client.post("/subscribe", data=form)
    assert response.status_code == 422
    assert str(escape(message)) in response.get_data(as_text=True)
    assert row_counts(db)["calendars"] == 0


def test_every_caller_gets_the_same_defaults(client, db, runner):
    made = client.post("/calendars", json=PLAN).json
    installed = Host(client).install(plan=PLAN).json["plan"]
    with db.unit_of_work() as session:
        stored = calendar_lookup.normalise_spec(session, PLAN)
    for plan in (made, installed, stored):
        assert {name: plan[name] for name in DEFAULTS} == DEFAULTS

"""Weekly progressions over HTTP: custom routines take them, the API and the page show them,
the exports take ``?week=N``, and FIT and Garmin files carry that week's durations."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from test_formats_fit import decode, run
from test_formats_garmin import unrolled

from plugin import catalog
from plugin.store.tables import CustomRoutineRow

PROBLEM = "application/problem+json"


def stored_routines(db) -> int:
    with db.unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(CustomRoutineRow))


def entry_of(routine: dict, exercise_id: str) -> dict:
    return next(e for e in routine["exercises"] if e["exercise"]["id"] == exercise_id)


def test_built_in_routines_show_their_progressions(client):
    body = client.get("/routines/daily-hamstring").get_json()
    assert entry_of(body, "lying-hamstring")["progression"] == {"hold_s": [15, 20, 25, 30]}
    assert entry_of(body, "standing-forward-bend")["progression"] == {"hold_s": [30, 35, 40, 45]}
    assert entry_of(body, "band-hamstring")["progression"] is None  # the source gives no range
    wall = client.get("/routines/wall-hamstring").get_json()
    assert entry_of(wall, "legs-up-wall-hamstring")["progression"] == {"reps": [6, 7, 8]}
    assert body["notice"] == ""


def test_a_custom_routine_keeps_its_progression(client):
    body = {
        "name": "Slowly longer",
        "exercises": [
            {"exercise": "band-hamstring", "progression": {"hold_s": [20, 25, 30], "sets": [1, 2]}},
            {"exercise": "lying-hamstring"},
        ],
    }
    created = client.post("/routines", json=body)
    assert created.status_code == 201, created.get_json()
    shown = client.get(created.headers["Location"]).get_json()
    assert entry_of(shown, "band-hamstring")["progression"] == {"hold_s": [20, 25, 30], "sets": [1, 2]}
    # Only where the body says so: the catalog's steps are not added to a custom routine.
    assert entry_of(shown, "lying-hamstring")["progression"] is None
    week3 = client.get(f"{created.headers['Location']}/export/json?week=3").get_json()
    band = entry_of(week3, "band-hamstring")
    assert (band["dose"]["hold_s"], band["dose"]["sets"]) == (30, 2)


def _item(**progression) -> dict:
    return {"name": "x", "exercises": [{"exercise": "lying-hamstring", "progression": progression}]}


BAD = [
    (_item(hold_s=[15, 20, 0]), "exercises.0.progression.hold_s.2"),
    (_item(hold_s=[15, 20, 601]), "exercises.0.progression.hold_s.2"),
    (_item(reps=[1, 51]), "exercises.0.progression.reps.1"),
    (_item(sets=[0]), "exercises.0.progression.sets.0"),
    (_item(sets=[1, "2"]), "exercises.0.progression.sets.1"),
    (_item(hold_s=[]), "exercises.0.progression.hold_s"),
    (_item(hold_s=list(range(1, 54))), "exercises.0.progression.hold_s"),
    (_item(rest_s=[5, 10]), "exercises.0.progression.rest_s"),
    (
        {
            "name": "x",
            "exercises": [{"exercise": "standing-trunk-rotation", "progression": {"reps": [1, 2]}}],
        },
        "exercises.0.progression.reps.1",
    ),
    (
        {"name": "x", "exercises": [{"exercise": "lying-hamstring", "progression": [15, 20]}]},
        "exercises.0.progression",
    ),
]


@pytest.mark.parametrize("body, field", BAD, ids=[f for _, f in BAD])
def test_bad_progressions_are_422_naming_the_element_and_store_nothing(client, db, body, field):
    response = client.post("/routines", json=body)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert field in response.get_json()["errors"], response.get_json()
    assert stored_routines(db) == 0


@pytest.mark.parametrize("week, hold", [(1, 15), (2, 20), (4, 30), (9, 30)])
def test_export_week_gives_that_weeks_dose(client, week, hold):
    body = client.get(f"/routines/daily-hamstring/export/json?week={week}").get_json()
    assert entry_of(body, "lying-hamstring")["dose"]["hold_s"] == hold
    assert body["duration_s"] == catalog.builtin_routine("daily-hamstring").at_week(week).duration_s


def test_export_without_week_gives_the_catalog_dose(client):
    body = client.get("/routines/daily-hamstring/export/json").get_json()
    assert entry_of(body, "lying-hamstring")["dose"]["hold_s"] == 30


@pytest.mark.parametrize("week", ["0", "-1", "x", "1.5", "521"])
def test_a_bad_week_is_422_naming_week(client, week):
    response = client.get(f"/routines/daily-hamstring/export/fit?week={week}")
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert "week" in response.get_json()["errors"]


def active_seconds(steps, prefix: str) -> list[int]:
    return [
        s["duration_time"]
        for s in steps
        if s["intensity"] == "active" and s["wkt_step_name"].startswith(prefix)
    ]


@pytest.mark.parametrize("week, lying, bend", [(1, 15, 30), (4, 30, 45)])
def test_fit_export_of_a_week_decodes_with_that_weeks_holds(client, week, lying, bend):
    response = client.get(f"/routines/daily-hamstring/export/fit?week={week}")
    assert response.status_code == 200
    messages = decode(response.data)
    walked = run(messages["workout_step_mesgs"])
    assert set(active_seconds(walked, "Lying hamstring")) == {lying}
    assert len(active_seconds(walked, "Lying hamstring")) == 2  # each leg
    assert active_seconds(walked, "Standing forward bend") == [bend, bend]  # two sets
    routine = catalog.builtin_routine("daily-hamstring").at_week(week)
    assert (
        sum(s["duration_value"] for s in walked if s["duration_type"] == "time") == routine.duration_s * 1000
    )


def test_fit_export_of_a_week_steps_reps(client):
    for week, reps in ((1, 6), (3, 8)):
        walked = run(
            decode(client.get(f"/routines/wall-hamstring/export/fit?week={week}").data)["workout_step_mesgs"]
        )
        assert len(active_seconds(walked, "Legs-up-the-wall")) == reps


@pytest.mark.parametrize("week, lying, bend", [(1, 15, 30), (4, 30, 45)])
def test_garmin_export_of_a_week_has_that_weeks_step_durations(client, week, lying, bend):
    workout = json.loads(client.get(f"/routines/daily-hamstring/export/garmin?week={week}").data)
    steps = unrolled(workout["workoutSegments"][0]["workoutSteps"])
    work = [s for s in steps if s["stepType"]["stepTypeKey"] == "interval"]
    by_name: dict[str, list[int]] = {}
    for step in work:
        by_name.setdefault(step["description"].split(".")[0].split(",")[0], []).append(
            step["endConditionValue"]
        )
    assert by_name["Lying hamstring stretch"] == [lying, lying]
    assert by_name["Standing forward bend (toe reach)"] == [bend, bend]
    assert (
        workout["estimatedDurationInSecs"]
        == catalog.builtin_routine("daily-hamstring").at_week(week).duration_s
    )


def test_routine_page_shows_the_weekly_steps(client):
    page = client.get("/routine/daily-hamstring").get_data(as_text=True)
    assert "week 1: 15 s → week 4: 30 s" in page
    assert "week 1: 30 s → week 4: 45 s" in page
    assert "week 1: 6 reps → week 3: 8 reps" in client.get("/routine/wall-hamstring").get_data(as_text=True)
    assert "Week by week" not in client.get("/routine/trunk-rotation").get_data(as_text=True)


def test_the_cli_exports_a_week_like_the_api(client, runner, tmp_path):
    out = tmp_path / "wall.fit"
    args = ["export", "--routine", "wall-hamstring", "--format", "fit", "--week", "3", "-o", str(out)]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == client.get("/routines/wall-hamstring/export/fit?week=3").data
    walked = run(decode(out.read_bytes())["workout_step_mesgs"])
    assert len(active_seconds(walked, "Legs-up-the-wall")) == 8
    refused = runner.invoke(args=["export", "--routine", "wall-hamstring", "--format", "fit", "--week", "0"])
    assert refused.exit_code != 0 and "--week" in refused.output

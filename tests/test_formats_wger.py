"""wger mapping: every caution arrives, every field keeps wger's limits, doses land natively."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, time

import pytest

from plugin import catalog
from plugin.catalog.model import Caution, CautionKind, Plan, Routine, RoutineEntry
from plugin.errors import InvalidRoutine
from plugin.formats import wger
from plugin.formats.wger import build, fitting, matching
from plugin.formats.wger.placeholders import ExerciseRef, Ref, Request, UnitRef, resolve

ROUTINES = catalog.builtin_routines()
START = date(2026, 11, 19)  # a Thursday


def generations(routine: Routine, plan: Plan | None = None) -> dict[str, list[Request]]:
    return {
        "2.1": build.workout_requests(routine, plan),
        "2.3": build.routine_requests(routine, plan, start=START),
    }


def texts(requests: list[Request]) -> str:
    return "\n".join(v for r in requests for v in r.body.values() if isinstance(v, str))


# Field → limit, per endpoint and generation (docs/wger.md#text-limits).
LIMITS = {
    "2.1": {
        ("workout", "name"): 100,
        ("workout", "description"): 1000,
        ("day", "description"): 100,
        ("set", "comment"): 200,
        ("setting", "comment"): 100,
    },
    "2.3": {
        ("routine", "name"): 25,
        ("routine", "description"): 1000,
        ("day", "name"): 20,
        ("day", "description"): 1000,
        ("slot", "comment"): 200,
        ("slot-entry", "comment"): 100,
    },
}


@pytest.mark.parametrize("routine", ROUTINES, ids=lambda r: r.id)
@pytest.mark.parametrize("generation", ["2.1", "2.3"])
def test_every_caution_of_every_routine_is_in_the_payload(routine, generation):
    payload = texts(generations(routine)[generation])
    assert routine.cautions
    for caution in routine.cautions:
        assert caution.text in payload, caution.id


@pytest.mark.parametrize("routine", ROUTINES, ids=lambda r: r.id)
@pytest.mark.parametrize("generation", ["2.1", "2.3"])
def test_every_text_field_keeps_wgers_limit(routine, generation):
    checked = 0
    for request in generations(routine)[generation]:
        for key, value in request.body.items():
            limit = LIMITS[generation].get((request.endpoint, key))
            if limit is not None:
                assert len(value) <= limit, (request.ref, key, len(value))
                checked += 1
    assert checked >= 4


@pytest.mark.parametrize("generation", ["2.1", "2.3"])
def test_a_set_per_exercise_and_side_with_the_key_caution(generation):
    routine = catalog.builtin_routine("daily-hamstring")
    requests = generations(routine)[generation]
    blocks = [r for r in requests if r.endpoint in ("set", "slot")]
    # lying and band stretches per side, the forward bend once
    assert len(blocks) == 5
    # the set comment is what wger's page shows of ours: it starts with our name and side
    assert [b.body["comment"].split(".")[0] for b in blocks[:2]] == [
        "Lying hamstring stretch, left leg",
        "Lying hamstring stretch, right leg",
    ]
    for block in blocks:
        assert "Key caution: Disc injury: skip this, do knees-to-chest." in block.body["comment"]
        assert "rest " in block.body["comment"]


def test_holds_use_the_seconds_unit_and_each_hold_is_a_wger_set():
    requests = build.workout_requests(catalog.builtin_routine("wall-hamstring"))
    sets = [r for r in requests if r.endpoint == "set"]
    settings = [r for r in requests if r.endpoint == "setting"]
    assert [s.body["sets"] for s in sets] == [6]  # 6 holds of 40 s
    assert [(s.body["repetition_unit"], s.body["reps"]) for s in settings] == [(UnitRef("Seconds"), 40)]
    assert settings[0].body["exercise_base"] == ExerciseRef("legs-up-wall-hamstring")


def test_trunk_rotation_is_three_minutes_in_seconds():
    requests = build.workout_requests(catalog.builtin_routine("trunk-rotation"))
    (setting,) = [r for r in requests if r.endpoint == "setting"]
    assert (setting.body["repetition_unit"], setting.body["reps"]) == (UnitRef("Seconds"), 180)
    assert "Key caution: Stop if it hurts." in [r for r in requests if r.endpoint == "set"][0].body["comment"]


def test_contract_relax_gets_one_setting_per_foot_position():
    requests = build.workout_requests(catalog.builtin_routine("contract-relax"))
    settings = [r for r in requests if r.endpoint == "setting" and r.body["set"] == Ref("set1")]
    assert [s.body["comment"] for s in settings] == [
        "Contract-relax hamstring stretch, left leg, foot pointing up",
        "Contract-relax hamstring stretch, left leg, foot turned in",
        "Contract-relax hamstring stretch, left leg, foot turned out",
    ]
    units = {(s.body["repetition_unit"], s.body["reps"]) for s in settings}
    assert units == {(UnitRef("Repetitions"), 3)}
    assert [r.body["sets"] for r in requests if r.endpoint == "set"] == [3, 3]


def test_long_continuous_work_switches_to_minutes():
    trunk = catalog.exercise("standing-trunk-rotation")
    routine = Routine("long", "Long", "", (RoutineEntry(trunk, trunk.dose.with_overrides(duration_s=1200)),))
    (setting,) = [r for r in build.workout_requests(routine) if r.endpoint == "setting"]
    assert (setting.body["repetition_unit"], setting.body["reps"]) == (UnitRef("Minutes"), 20)
    (entry,) = [r for r in build.routine_requests(routine, start=START) if r.endpoint == "slot-entry"]
    assert entry.body["repetition_unit"] == UnitRef("Seconds")  # 2.3 holds up to 3000


def test_plan_weekdays_become_wger_days_of_week():
    routine = catalog.builtin_routine("trunk-rotation")
    plan = Plan(
        routines=(routine,),
        times=(time(7, 30), time(19, 0)),
        timezone="Europe/Berlin",
        days=("MO", "WE", "FR"),
    )
    day = [r for r in build.workout_requests(routine, plan) if r.endpoint == "day"][0]
    assert day.body["day"] == [1, 3, 5]
    assert "07:30, 19:00 Europe/Berlin" in day.body["description"]
    assert fitting.ONE_SESSION_NOTE in texts(build.workout_requests(routine, plan))


def test_routine_api_weekdays_are_seven_days_with_rest_days_from_a_monday():
    routine = catalog.builtin_routine("trunk-rotation")
    plan = Plan(routines=(routine,), times=(time(7, 30),), timezone="UTC", days=("MO", "WE", "FR"))
    requests = build.routine_requests(routine, plan, start=START)
    head = requests[0].body
    assert (head["start"], head["end"], head["fit_in_week"]) == ("2026-11-16", "2027-02-07", True)
    days = [r.body for r in requests if r.endpoint == "day"]
    assert [d["is_rest"] for d in days] == [False, True, False, True, False, True, True]
    assert [d["order"] for d in days] == list(range(1, 8))
    slots = [r for r in requests if r.endpoint == "slot"]
    assert [s.body["day"] for s in slots] == [Ref("day1"), Ref("day3"), Ref("day5")]


def test_routine_api_shapes_for_holds():
    requests = build.routine_requests(catalog.builtin_routine("daily-hamstring"), start=START)
    head = requests[0].body
    assert (head["start"], head["end"], head["fit_in_week"]) == ("2026-11-19", "2027-02-10", False)
    assert len(head["name"]) <= 25
    (day,) = [r.body for r in requests if r.endpoint == "day"]
    assert day["name"] == "Daily hamstring…" and len(day["name"]) <= 20
    assert "Day: Daily hamstring stretch" in head["description"]  # the cut name survives in full
    entries = [r for r in requests if r.endpoint == "slot-entry"]
    assert {e.body["type"] for e in entries} == {"iso"}
    assert {e.body["repetition_unit"] for e in entries} == {UnitRef("Seconds")}
    configs = {
        (r.endpoint, r.body["slot_entry"].ref): r.body["value"] for r in requests if "config" in r.endpoint
    }
    first = entries[0].ref
    assert configs[("sets-config", first)] == 1
    assert configs[("repetitions-config", first)] == 30
    assert configs[("rest-config", first)] == 5
    forward_bend = entries[-1].ref
    assert configs[("sets-config", forward_bend)] == 2  # two holds of 30 s
    assert all(r.body["iteration"] == 1 for r in requests if "config" in r.endpoint)


def test_counted_and_contract_relax_are_normal_and_iso_entries():
    desk = build.routine_requests(catalog.builtin_routine("desk-break"), start=START)
    types = [r.body["type"] for r in desk if r.endpoint == "slot-entry"]
    assert types == ["normal", "normal", "iso"]
    trunk = build.routine_requests(catalog.builtin_routine("trunk-rotation"), start=START)
    assert [r.body["type"] for r in trunk if r.endpoint == "slot-entry"] == ["normal"]


def test_text_that_does_not_fit_moves_to_the_next_wider_field():
    lying = catalog.exercise("lying-hamstring")
    long_name = "Lying hamstring stretch with a very long name " + "that keeps going " * 5 + "to the end"
    exercise = replace(lying, name=long_name)
    routine = Routine("long-" + "x" * 10, "R" * 120, "", (RoutineEntry(exercise, lying.dose),))
    requests = build.workout_requests(routine)
    workout = requests[0].body
    assert len(workout["name"]) <= 100 and workout["name"].endswith("…")
    assert f"Routine: {'R' * 120}" in workout["description"]
    setting = [r for r in requests if r.endpoint == "setting"][0].body["comment"]
    set_comment = [r for r in requests if r.endpoint == "set"][0].body["comment"]
    assert len(setting) <= 100 and setting.endswith("…")
    assert set_comment.startswith(long_name)  # the set comment, which wger shows, has the whole name


def test_cautions_that_cannot_fit_refuse_the_routine():
    lying = catalog.exercise("lying-hamstring")
    wordy = tuple(Caution(f"c{i}", CautionKind.FORM, "Careful. " * 30, "Careful") for i in range(5))
    routine = Routine("wordy", "Wordy", "", (RoutineEntry(replace(lying, cautions=wordy), lying.dose),))
    with pytest.raises(InvalidRoutine) as err:
        build.workout_requests(routine)
    assert err.value.field == "exercises"


def test_all_catalog_cautions_together_still_fit():
    entries = tuple(RoutineEntry(ex, ex.dose) for ex in catalog.exercises() if ex.dose.kind.value != "open")
    routine = Routine("everything", "Everything", "", entries)
    assert len(routine.cautions) == 7
    for requests in generations(routine).values():
        description = requests[0].body["description"]
        assert len(description) <= 1000
        for caution in routine.cautions:
            assert caution.text in description
        assert description.splitlines()[-1] == "stretchsync routine: everything"


def test_export_is_the_request_list_with_named_placeholders():
    doc = json.loads(wger.export(catalog.builtin_routine("trunk-rotation")))
    assert doc["api"] == "wger 2.1"
    paths = [r["path"] for r in doc["requests"]]
    assert paths == ["/api/v2/workout/", "/api/v2/day/", "/api/v2/set/", "/api/v2/setting/"]
    setting = doc["requests"][3]["body"]
    assert setting["set"] == {"$ref": "set1"}
    assert setting["exercise_base"] == {"$exercise": "standing-trunk-rotation"}
    assert setting["repetition_unit"] == {"$repetition_unit": "Seconds"}


def test_resolve_replaces_every_placeholder():
    body = {
        "set": Ref("set1"),
        "exercise_base": ExerciseRef("lying-hamstring"),
        "repetition_unit": UnitRef("Seconds"),
        "reps": 30,
    }
    assert resolve(body, {"set1": 7}, {"lying-hamstring": 377}, {"Seconds": 3}) == {
        "set": 7,
        "exercise_base": 377,
        "repetition_unit": 3,
        "reps": 30,
    }


@pytest.mark.parametrize(
    ("term", "name", "expected"),
    [
        # exact names only: another exercise is never taken for ours
        ("trunk rotation", "Trunk Rotation With Cable ", False),
        ("trunk rotation", "Trunk rotation", True),
        ("leg raises lying", "Leg Raises, Lying", True),
        ("leg raise", "Leg Raises, Standing", False),
        ("lying hamstring stretch", "Lying Hamstring Stretch", True),
        ("hamstring stretch", "Leg Curls (laying)", False),
        ("knees to chest", "Knee to chest", True),
    ],
)
def test_search_term_matching(term, name, expected):
    assert matching.matches(term, name) is expected


def test_pick_prefers_the_shortest_matching_name():
    assert matching.pick("leg raise", [(283, "Hanging Leg Raises"), (376, "Leg Raise"), (9, "Squat")]) == 376
    assert matching.pick("stretch", [(9, "Squat")]) is None

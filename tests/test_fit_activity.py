"""Reading a recorded FIT activity back: files built with Garmin's own Encoder, as a watch writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from garmin_fit_sdk import Decoder, Encoder, Profile, Stream
from test_formats_fit import walk

from plugin import catalog
from plugin.errors import InvalidInput
from plugin.formats import fit
from plugin.services.routines import build_routine

MESG = Profile["mesg_num"]
START = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)
SERIAL = 3_456_789_012


def timer_event(when: datetime, event_type: str) -> dict[str, Any]:
    return {"mesg_num": MESG["EVENT"], "timestamp": when, "event": "timer", "event_type": event_type}


def activity(
    sets: list[dict[str, Any]],
    *,
    workout_name: str | None = None,
    elapsed_s: float = 305.4,
    sport_profile_name: str | None = None,
    with_session: bool = True,
) -> bytes:
    """A strength-style activity file: file_id, event, workout, sets, records, lap, session, activity."""
    end = START + timedelta(seconds=elapsed_s)
    enc = Encoder()
    enc.write_mesg(
        {
            "mesg_num": MESG["FILE_ID"],
            "type": "activity",
            "manufacturer": "garmin",
            "product": 3113,
            "serial_number": SERIAL,
            "time_created": START,
        }
    )
    enc.write_mesg(timer_event(START, "start"))
    if workout_name:
        enc.write_mesg(
            {
                "mesg_num": MESG["WORKOUT"],
                "wkt_name": workout_name,
                "sport": "training",
                "sub_sport": "flexibility_training",
                "num_valid_steps": 16,
            }
        )
    clock = START
    for index, fit_set in enumerate(sets):
        enc.write_mesg({"mesg_num": MESG["RECORD"], "timestamp": clock, "heart_rate": 72 + index % 5})
        duration = fit_set["duration"]
        message = {
            "mesg_num": MESG["SET"],
            "timestamp": clock + timedelta(seconds=duration),
            "start_time": clock,
            "duration": duration,  # seconds; the Encoder applies the profile's scale of 1000
            "set_type": fit_set.get("set_type", "active"),
            "message_index": index,
        }
        for key in ("repetitions", "category", "category_subtype", "wkt_step_index"):
            if key in fit_set:
                message[key] = fit_set[key]
        enc.write_mesg(message)
        clock += timedelta(seconds=duration)
    enc.write_mesg(timer_event(end, "stop_all"))
    enc.write_mesg(
        {
            "mesg_num": MESG["LAP"],
            "timestamp": end,
            "start_time": START,
            "total_elapsed_time": elapsed_s,
            "total_timer_time": elapsed_s,
            "event": "lap",
            "event_type": "stop",
            "sport": "training",
            "sub_sport": "flexibility_training",
            "message_index": 0,
        }
    )
    if with_session:
        session = {
            "mesg_num": MESG["SESSION"],
            "timestamp": end,
            "start_time": START,
            "total_elapsed_time": elapsed_s,
            "total_timer_time": elapsed_s,
            "sport": "training",
            "sub_sport": "flexibility_training",
            "first_lap_index": 0,
            "num_laps": 1,
            "event": "session",
            "event_type": "stop",
            "message_index": 0,
        }
        if sport_profile_name:
            session["sport_profile_name"] = sport_profile_name
        enc.write_mesg(session)
    enc.write_mesg(
        {
            "mesg_num": MESG["ACTIVITY"],
            "timestamp": end,
            "total_timer_time": elapsed_s,
            "num_sessions": 1 if with_session else 0,
            "type": "manual",
            "event": "activity",
            "event_type": "stop",
        }
    )
    return bytes(enc.close())


def workout_steps_of(routine_id: str) -> list[dict[str, Any]]:
    """The steps of our exported workout, as the watch that followed it knows them."""
    data = fit.export(catalog.builtin_routine(routine_id))
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    return messages["workout_step_mesgs"]


def watch_sets_for(routine_id: str) -> list[dict[str, Any]]:
    """The sets a watch records while following our workout: one per step done, repeats unrolled."""
    steps = workout_steps_of(routine_id)
    sets: list[dict[str, Any]] = []
    for i in walk(steps):
        step = steps[i]
        if step["duration_type"] != "time":
            continue  # open read-first steps make no set
        active = step["intensity"] == "active"
        fit_set = {"duration": step["duration_time"], "set_type": "active" if active else "rest"}
        fit_set["wkt_step_index"] = i
        if active:
            fit_set["category"] = [step["exercise_category"]]
            fit_set["category_subtype"] = [step["exercise_name"]]
        sets.append(fit_set)
    return sets


def test_the_file_built_here_is_sound_for_garmins_decoder() -> None:
    data = activity([{"duration": 30.0, "category": ["warm_up"], "category_subtype": [52]}])
    assert Decoder(Stream.from_byte_array(bytearray(data))).check_integrity()
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    assert messages["file_id_mesgs"][0]["type"] == "activity"
    # A one-element array field decodes as its single value.
    assert (messages["set_mesgs"][0]["category"], messages["set_mesgs"][0]["duration"]) == ("warm_up", 30.0)


def test_a_followed_contract_relax_workout_comes_back_step_by_step() -> None:
    routine = catalog.builtin_routine("contract-relax")
    sets = watch_sets_for("contract-relax")
    session = fit.parse_activity(activity(sets, workout_name="Contract-relax hamstring", elapsed_s=301.0))
    assert session.source == "fit"
    assert session.routine_id == "contract-relax"
    assert session.started_at == START
    assert session.duration_s == 301
    assert session.notes == "sport: training/flexibility_training"
    dose = routine.entries[0].dose
    # 3 sets × 2 sides × 3 pushes: the rest sets are not exercises.
    assert len(session.exercises) == dose.sets * 2 * dose.reps
    # warm_up/44 is shared with legs-up-wall: only wkt_step_index can say whose set it is.
    assert {done.exercise_id for done in session.exercises} == {"contract-relax-hamstring"}
    assert [done.side for done in session.exercises] == (["left"] * 3 + ["right"] * 3) * 3
    assert all(done.duration_s == dose.contract_s and done.sets == 1 for done in session.exercises)
    assert all(done.hold_s is None for done in session.exercises)  # a push is not a hold


def test_holds_of_a_followed_routine_are_read_as_hold_seconds() -> None:
    sets = watch_sets_for("daily-hamstring")
    session = fit.parse_activity(activity(sets, workout_name="daily-hamstring"))
    assert session.routine_id == "daily-hamstring"
    expected = [
        (e.exercise.id, side, e.dose.hold_s)
        for e in catalog.builtin_routine("daily-hamstring").entries
        for _set in range(e.dose.sets)
        for side in e.dose.sides
        for _rep in range(e.dose.reps)
    ]
    assert [(d.exercise_id, d.side, d.hold_s) for d in session.exercises] == expected


def test_sets_without_a_workout_map_through_the_exercise_table() -> None:
    sets = [
        {"duration": 180.0, "category": ["move"], "category_subtype": [82]},
        {"duration": 12.0, "set_type": "rest"},
        {"duration": 20.0, "repetitions": 3, "category": ["warm_up"], "category_subtype": [52]},
        {"duration": 31.0, "category": ["warm_up"], "category_subtype": [44]},  # two of ours use it
        {"duration": 45.0, "repetitions": 10, "category": ["squat"], "category_subtype": [2]},
    ]
    session = fit.parse_activity(activity(sets))
    assert session.routine_id is None
    assert [(d.exercise_id, d.duration_s, d.reps, d.side) for d in session.exercises] == [
        ("standing-trunk-rotation", 180, None, None),
        ("knees-to-chest", 20, 3, None),
        ("fit:warm_up/44", 31, None, None),
        ("fit:squat/2", 45, 10, None),
    ]


def test_source_id_is_serial_and_creation_time_and_stable() -> None:
    data = activity([{"duration": 30.0, "category": ["warm_up"], "category_subtype": [52]}])
    first, again = fit.parse_activity(data), fit.parse_activity(data)
    assert first.source_id == again.source_id == f"{SERIAL}-{int(START.timestamp())}"


def test_routine_matched_by_session_profile_name_or_a_custom_routine() -> None:
    data = activity([{"duration": 180.0}], sport_profile_name="Trunk rotation")
    assert fit.parse_activity(data).routine_id == "trunk-rotation"
    custom = build_routine("custom-abc123", "My evening stretch", "", [{"exercise": "knees-to-chest"}])
    data = activity([{"duration": 20.0, "wkt_step_index": 0}], workout_name="my evening stretch")
    session = fit.parse_activity(data, routines=(custom,))
    assert session.routine_id == "custom-abc123"
    assert session.exercises[0].exercise_id == "knees-to-chest"
    assert fit.parse_activity(activity([], workout_name="Someone else's plan")).routine_id is None


def _corrupt(data: bytes) -> bytes:
    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 0x5A
    return bytes(flipped)


GOOD = activity([{"duration": 30.0, "category": ["warm_up"], "category_subtype": [52]}])


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(GOOD[:-9], id="truncated"),
        pytest.param(_corrupt(GOOD), id="flipped-byte"),
        pytest.param(b"", id="empty"),
        pytest.param(b"not a fit file at all", id="not-fit"),
        pytest.param(fit.export(catalog.builtin_routine("disc-safe")), id="workout-not-activity"),
        pytest.param(activity([{"duration": 5.0}], with_session=False), id="no-session"),
    ],
)
def test_bad_files_are_rejected_naming_the_file(data: bytes) -> None:
    with pytest.raises(InvalidInput) as err:
        fit.parse_activity(data)
    assert err.value.field == "file"

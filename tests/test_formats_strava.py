"""Strava activities in, completed sessions out, webhook events validated."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from plugin.catalog.model import CompletedSession, ExerciseDone
from plugin.errors import InvalidInput
from plugin.formats import strava

ROUTINE_NAMES = {"Daily hamstring stretch": "daily-hamstring", "Trunk rotation": "trunk-rotation"}


def activity(**changes) -> dict:
    base = {
        "id": 12345678987654321,
        "name": "Evening yoga",
        "sport_type": "Yoga",
        "type": "Yoga",
        "start_date": "2026-11-20T18:00:00Z",
        "start_date_local": "2026-11-20T19:00:00Z",
        "elapsed_time": 900,
        "moving_time": 900,
        "manual": True,
        "description": "hamstrings and back",
        "athlete": {"id": 134815},
    }
    return {**base, **changes}


@pytest.mark.parametrize(
    ("name", "sport_type", "description"),
    [
        ("Morning ride", "Ride", None),
        ("Leg day", "WeightTraining", "squats 5x5"),
        ("Gym", "Workout", "bench, rows, deadlifts"),
        ("Vinyasa flow", "Yoga", "hamstrings and back"),
        ("Physio", "PhysicalTherapy", None),
    ],
)
def test_an_activity_not_ours_is_not_a_session(name, sport_type, description):
    plain = activity(name=name, sport_type=sport_type, description=description)
    assert strava.parse_activity(plain, ROUTINE_NAMES) is None


@pytest.mark.parametrize("sport_type", ["Yoga", "Pilates", "PhysicalTherapy"])
def test_a_sport_type_the_installation_opted_into_makes_a_session(sport_type):
    session = strava.parse_activity(
        activity(sport_type=sport_type), ROUTINE_NAMES, frozenset({"Yoga", "Pilates", "PhysicalTherapy"})
    )
    assert session is not None
    assert (session.source, session.source_id, session.duration_s) == ("strava", "12345678987654321", 900)
    assert session.started_at == datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
    assert session.routine_id is None
    assert session.notes == "hamstrings and back"


def test_opting_into_yoga_takes_no_other_sport_type():
    only_yoga = frozenset({"Yoga"})
    assert strava.parse_activity(activity(sport_type="Workout", name="Gym"), ROUTINE_NAMES, only_yoga) is None


@pytest.mark.parametrize(
    ("name", "routine_id"),
    [
        ("Stretching: Trunk rotation", "trunk-rotation"),
        ("daily hamstring stretch", "daily-hamstring"),
        ("Stretching session", None),
    ],
)
def test_a_name_we_gave_makes_any_sport_type_a_session(name, routine_id):
    session = strava.parse_activity(activity(sport_type="Walk", name=name), ROUTINE_NAMES)
    assert session is not None and session.routine_id == routine_id


def test_our_marker_in_the_description_makes_a_renamed_activity_a_session():
    renamed = activity(
        name="Tuesday", sport_type="Workout", description="Stretching session logged in wger.\nfelt good"
    )
    session = strava.parse_activity(renamed, ROUTINE_NAMES)
    assert session is not None and session.notes.endswith("felt good")
    assert strava.parse_activity({**renamed, "description": "logged stretching"}, ROUTINE_NAMES) is None


def test_a_run_is_not_a_stretching_session():
    assert strava.parse_activity(activity(sport_type="Run", name="Morning run"), ROUTINE_NAMES) is None


def test_stretching_sport_types_are_validated():
    assert strava.stretching_sport_types(None) == frozenset()
    assert strava.stretching_sport_types(["Yoga", "Pilates"]) == frozenset({"Yoga", "Pilates"})


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("Yoga", "credentials.stretchingSportTypes"),
        ({"Yoga": True}, "credentials.stretchingSportTypes"),
        (["Yoga", "yoga"], "credentials.stretchingSportTypes.1"),
        (["Stretching"], "credentials.stretchingSportTypes.0"),
        (["Yoga", 5], "credentials.stretchingSportTypes.1"),
    ],
)
def test_an_unknown_sport_type_to_opt_into_names_the_entry(value, field):
    with pytest.raises(InvalidInput) as failure:
        strava.stretching_sport_types(value)
    assert failure.value.field == field


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": "12"}, "id"),
        ({"id": True}, "id"),
        ({"elapsed_time": -1}, "elapsed_time"),
        ({"elapsed_time": None}, "elapsed_time"),
        ({"start_date": "2026-11-20T18:00:00"}, "start_date"),
        ({"start_date": 5}, "start_date"),
    ],
)
def test_a_malformed_activity_names_the_field(change, field):
    with pytest.raises(InvalidInput) as failure:
        strava.parse_activity(activity(**change), ROUTINE_NAMES)
    assert failure.value.field == field


def test_a_session_becomes_manual_activity_fields_listing_what_was_done():
    session = CompletedSession(
        source="hevy",
        source_id="w-1",
        routine_id="daily-hamstring",
        started_at=datetime(2026, 11, 20, 7, 0, 5),
        duration_s=290,
        exercises=(
            ExerciseDone("lying-hamstring", sets=1, hold_s=30, duration_s=30, side="left"),
            ExerciseDone("seated-two-chair-hamstring", sets=1, reps=4, side="right"),
        ),
        pain=2,
        notes="tight today",
    )
    fields = strava.manual_activity(
        session, "Daily hamstring stretch", {"lying-hamstring": "Lying hamstring stretch"}
    )
    assert fields["name"] == "Stretching: Daily hamstring stretch"
    assert fields["sport_type"] == "Workout"
    assert fields["start_date_local"] == "2026-11-20T07:00:05Z"
    assert fields["elapsed_time"] == 290
    assert fields["description"].splitlines() == [
        "Stretching session logged in hevy.",
        "- Lying hamstring stretch, left leg: 1 set, hold 30 s",
        "- seated-two-chair-hamstring, right leg: 1 set, 4 reps",
        "Pain or discomfort: 2/10",
        "tight today",
    ]
    # What we post reads back as a stretching session of the same routine, and carries our marker.
    posted = activity(
        id=1,
        name=fields["name"],
        sport_type=fields["sport_type"],
        elapsed_time=fields["elapsed_time"],
        description=fields["description"],
    )
    assert strava.parse_activity(posted, ROUTINE_NAMES).routine_id == "daily-hamstring"
    assert strava.carries_marker(fields["description"])


def test_an_unknown_sport_type_is_refused():
    session = CompletedSession("hevy", "w", None, datetime(2026, 1, 1, tzinfo=UTC), 60)
    with pytest.raises(InvalidInput) as failure:
        strava.manual_activity(session, sport_type="Run")
    assert failure.value.field == "sport_type"


EVENT = {
    "aspect_type": "create",
    "event_time": 1516126040,
    "object_id": 1360128428,
    "object_type": "activity",
    "owner_id": 134815,
    "subscription_id": 120475,
    "updates": {},
}


def test_an_activity_event_is_parsed():
    event = strava.parse_event(EVENT)
    assert (event.object_type, event.object_id, event.aspect_type, event.owner_id) == (
        "activity",
        1360128428,
        "create",
        134815,
    )
    assert not event.is_deauthorization


def test_an_event_survives_the_queue_unchanged():
    event = strava.parse_event(EVENT)
    assert strava.parse_event(event.as_dict()) == event
    assert event.key == "activity:1360128428:create:1516126040"


def test_a_deauthorization_is_recognised():
    event = strava.parse_event(
        {
            **EVENT,
            "object_type": "athlete",
            "object_id": 134815,
            "aspect_type": "update",
            "updates": {"authorized": "false"},
        }
    )
    assert event.is_deauthorization


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], "body"),
        ({**EVENT, "object_id": "1"}, "object_id"),
        ({**EVENT, "owner_id": None}, "owner_id"),
        ({**EVENT, "event_time": 1.5}, "event_time"),
        ({**EVENT, "object_type": "route"}, "object_type"),
        ({**EVENT, "aspect_type": "upsert"}, "aspect_type"),
        ({**EVENT, "updates": []}, "updates"),
        ({**EVENT, "subscription_id": "x"}, "subscription_id"),
    ],
)
def test_a_malformed_event_names_the_field(body, field):
    with pytest.raises(InvalidInput) as failure:
        strava.parse_event(body)
    assert failure.value.field == field

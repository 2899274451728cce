"""Strava API v3: activities in as completed sessions, sessions out as manual activities.

Strava has no planned workouts (docs/strava.md#manual-activities), so nothing of a routine
is pushed; what travels is a completed session. An athlete's Strava holds runs, rides,
gym sessions and yoga classes too, so an activity counts as a stretching session only
when it is ours (docs/strava.md#which-activities-count): its name is one we give
activities ("Stretching: <routine>") or a routine's own name, its description carries
the marker line we write into activities we post, or its ``sport_type`` is one the
installation opted into (``stretchingSportTypes``, empty unless set). Webhook events
(docs/strava.md#webhooks) are validated here into StravaEvent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from plugin.catalog.model import CompletedSession
from plugin.errors import InvalidInput
from plugin.formats.text import done_line
from plugin.formats.timestamps import parse_aware

# Every SportType of Strava's API reference (stravalib 2.6.0's enum), PhysicalTherapy
# included (docs/strava.md#sport-types): what an installation may opt into.
SPORT_TYPES = frozenset(
    {
        "AlpineSki", "BackcountrySki", "Badminton", "Canoeing", "Crossfit", "EBikeRide",
        "Elliptical", "EMountainBikeRide", "Golf", "GravelRide", "Handcycle",
        "HighIntensityIntervalTraining", "Hike", "IceSkate", "InlineSkate", "Kayaking",
        "Kitesurf", "MountainBikeRide", "NordicSki", "PhysicalTherapy", "Pickleball", "Pilates",
        "Racquetball", "Ride", "RockClimbing", "RollerSki", "Rowing", "Run", "Sail",
        "Skateboard", "Snowboard", "Snowshoe", "Soccer", "Squash", "StairStepper",
        "StandUpPaddling", "Surfing", "Swim", "TableTennis", "Tennis", "TrailRun",
        "Velomobile", "VirtualRide", "VirtualRow", "VirtualRun", "Walk", "WeightTraining",
        "Wheelchair", "Windsurf", "Workout", "Yoga",
    }
)  # fmt: skip
# The sport types we may post a session as (PLUGIN_STRAVA_SPORT_TYPE picks one).
POST_SPORT_TYPES = frozenset({"Yoga", "Workout", "PhysicalTherapy"})
DEFAULT_SPORT_TYPE = "Workout"  # PhysicalTherapy there is UNCONFIRMED (docs/strava.md#unconfirmed)
NAME_PREFIX = "Stretching: "
# The first line of every description we post: an activity whose description carries it
# came from us, whatever the athlete renamed it to.
MARKER = "Stretching session logged in "
SPORT_TYPES_FIELD = "credentials.stretchingSportTypes"
OBJECT_TYPES = ("activity", "athlete")
ASPECT_TYPES = ("create", "update", "delete")


def activity_name(routine_name: str | None) -> str:
    """The name we give an activity we post."""
    return f"{NAME_PREFIX}{routine_name}" if routine_name else "Stretching session"


def routine_for_name(name: Any, routine_ids_by_name: Mapping[str, str]) -> str | None:
    """The routine an activity name refers to: its own name, or the name we gave it."""
    if not isinstance(name, str):
        return None
    wanted = name.strip()
    if wanted.startswith(NAME_PREFIX):
        wanted = wanted[len(NAME_PREFIX) :]
    by_folded = {n.casefold(): rid for n, rid in routine_ids_by_name.items()}
    return by_folded.get(wanted.strip().casefold())


def carries_marker(description: Any) -> bool:
    """Whether a description has the marker line we write into the activities we post."""
    if not isinstance(description, str):
        return False
    return any(line.strip().startswith(MARKER) for line in description.splitlines())


def stretching_sport_types(value: Any) -> frozenset[str]:
    """The installation's ``stretchingSportTypes``: Strava sport type names (none when absent).

    InvalidInput names ``credentials.stretchingSportTypes`` or the entry at fault.
    """
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        raise InvalidInput(
            "stretchingSportTypes must be a list of Strava sport types", field=SPORT_TYPES_FIELD
        )
    for i, name in enumerate(value):
        if name not in SPORT_TYPES:
            raise InvalidInput(
                f"{name!r} is not a Strava sport type (e.g. Yoga, Pilates, Workout)",
                field=f"{SPORT_TYPES_FIELD}.{i}",
            )
    return frozenset(value)


def matches_routine(activity: Mapping[str, Any], routine_ids_by_name: Mapping[str, str]) -> bool:
    """Whether an activity is one of ours: a name we gave, a routine's name, or our marker."""
    name = activity.get("name")
    named_by_us = isinstance(name, str) and (name.startswith(NAME_PREFIX) or name == activity_name(None))
    return (
        named_by_us
        or routine_for_name(name, routine_ids_by_name) is not None
        or carries_marker(activity.get("description"))
    )


def is_stretching(
    activity: Mapping[str, Any],
    routine_ids_by_name: Mapping[str, str],
    sport_types: frozenset[str] = frozenset(),
) -> bool:
    """Whether an activity is a stretching session: ours, or of a sport type the installation opted into.

    A SummaryActivity (a listing) has no description; only the detail shows the marker.
    """
    return matches_routine(activity, routine_ids_by_name) or activity.get("sport_type") in sport_types


def _whole_number(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_activity(
    activity: Any,
    routine_ids_by_name: Mapping[str, str] | None = None,
    sport_types: frozenset[str] = frozenset(),
) -> CompletedSession | None:
    """A DetailedActivity as a completed session keyed by the activity id; None if not stretching."""
    if not isinstance(activity, Mapping):
        raise InvalidInput("an activity must be an object", field="activity")
    names = routine_ids_by_name or {}
    activity_id = activity.get("id")
    if not _whole_number(activity_id):
        raise InvalidInput("an activity needs its integer id", field="id")
    elapsed = activity.get("elapsed_time")
    if not _whole_number(elapsed) or elapsed < 0:
        raise InvalidInput("elapsed_time must be whole seconds", field="elapsed_time")
    started = parse_aware(activity.get("start_date"), "start_date")
    if not is_stretching(activity, names, sport_types):
        return None
    return CompletedSession(
        source="strava",
        source_id=str(activity_id),
        routine_id=routine_for_name(activity.get("name"), names),
        started_at=started,
        duration_s=elapsed,
        notes=str(activity.get("description") or ""),
    )


def description(session: CompletedSession, exercise_names: Mapping[str, str] | None = None) -> str:
    """What was done, one line per exercise, then the pain score and notes if any."""
    names = exercise_names or {}
    lines = [f"{MARKER}{session.source}."]
    lines += [f"- {done_line(names.get(d.exercise_id, d.exercise_id), d)}" for d in session.exercises]
    if session.pain is not None:
        lines.append(f"Pain or discomfort: {session.pain}/10")
    if session.notes:
        lines.append(session.notes)
    return "\n".join(lines)


def manual_activity(
    session: CompletedSession,
    routine_name: str | None = None,
    exercise_names: Mapping[str, str] | None = None,
    sport_type: str = DEFAULT_SPORT_TYPE,
) -> dict[str, Any]:
    """The ``POST /api/v3/activities`` form for a completed session (docs/strava.md#manual-activities)."""
    if sport_type not in POST_SPORT_TYPES:
        raise InvalidInput(
            f"sport_type must be one of {', '.join(sorted(POST_SPORT_TYPES))}", field="sport_type"
        )
    return {
        "name": activity_name(routine_name),
        "sport_type": sport_type,
        # Strava reads start_date_local as wall time; stravalib writes it with a literal Z.
        "start_date_local": session.started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "elapsed_time": max(1, session.duration_s),
        "description": description(session, exercise_names),
    }


@dataclass(frozen=True)
class StravaEvent:
    """One webhook event (docs/strava.md#webhooks)."""

    object_type: str
    object_id: int
    aspect_type: str
    owner_id: int
    subscription_id: int | None
    event_time: int
    updates: dict[str, Any] = field(default_factory=dict)

    @property
    def is_deauthorization(self) -> bool:
        return self.object_type == "athlete" and str(self.updates.get("authorized")).lower() == "false"

    def as_dict(self) -> dict[str, Any]:
        """The event as Strava sent it (what a queued job carries)."""
        return {
            "object_type": self.object_type,
            "object_id": self.object_id,
            "aspect_type": self.aspect_type,
            "owner_id": self.owner_id,
            "subscription_id": self.subscription_id,
            "event_time": self.event_time,
            "updates": self.updates,
        }

    @property
    def key(self) -> str:
        """One string per distinct event, for logs and job ids."""
        return f"{self.object_type}:{self.object_id}:{self.aspect_type}:{self.event_time}"


# Strava's ids and event times are 64-bit signed integers (int64 in its API reference): a
# number past that, or below zero, names nothing Strava has (docs/strava.md#webhooks).
ID_RANGE = (0, 2**63 - 1)


def _check_id(value: Any, name: str) -> None:
    """InvalidInput naming ``name`` unless ``value`` is a whole number Strava can use."""
    if not _whole_number(value):
        raise InvalidInput(f"{name} must be an integer", field=name)
    low, high = ID_RANGE
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be from {low} to 2^63 - 1", field=name)


def parse_event(body: Any) -> StravaEvent:
    """Validate a webhook event body; InvalidInput names the field at fault."""
    if not isinstance(body, Mapping):
        raise InvalidInput("an event must be a JSON object", field="body")
    for name in ("object_id", "owner_id", "event_time"):
        _check_id(body.get(name), name)
    if body.get("object_type") not in OBJECT_TYPES:
        raise InvalidInput(f"object_type must be one of {', '.join(OBJECT_TYPES)}", field="object_type")
    if body.get("aspect_type") not in ASPECT_TYPES:
        raise InvalidInput(f"aspect_type must be one of {', '.join(ASPECT_TYPES)}", field="aspect_type")
    subscription_id = body.get("subscription_id")
    if subscription_id is not None:
        _check_id(subscription_id, "subscription_id")
    updates = body.get("updates")
    updates = {} if updates is None else updates
    if not isinstance(updates, Mapping):
        raise InvalidInput("updates must be an object", field="updates")
    return StravaEvent(
        object_type=body["object_type"],
        object_id=body["object_id"],
        aspect_type=body["aspect_type"],
        owner_id=body["owner_id"],
        subscription_id=subscription_id,
        event_time=body["event_time"],
        updates=dict(updates),
    )

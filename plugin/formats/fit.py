"""FIT: a routine as a watch-ready workout file, and a recorded activity file back as a session.

Encoded and decoded with Garmin's official FIT SDK (``garmin-fit-sdk``); the binary format
is never written by hand. The workout file holds, in this order (docs/garmin.md#fit-workout-file): file_id
(type workout), workout, one workout_step per step (see ``workout_steps`` for the mapping)
and one exercise_title per Garmin exercise used.

String limit rule. A FIT string field holds at most 255 bytes including its null terminator,
so at most 254 UTF-8 bytes of text. No caution may be lost to that limit:

1. The routine's cautions, one full line each ("Contraindication: …", contraindications
   first), are packed into 254-byte chunks at line boundaries (a line longer than a chunk
   is split between words).
2. The first chunk is the workout's ``wkt_description``; when there are more, it ends with
   "More cautions: step 1." and every further chunk becomes the notes of a first
   "Read before you start" step (open duration, rest intensity), one step per chunk.
3. Each work step's notes give that exercise's cautions in short form and its cue; what
   does not fit continues in the notes of the rest step after it (the relax step of the
   contract-relax stretch carries the foot position of each set), or, with no rest, in an
   open "<exercise>: read first" step before the exercise.
4. Names (workout, step, exercise title) are shortened at a character boundary if needed;
   they carry no caution.

The Python Encoder drops sub-field names (``duration_time``, ``repeat_steps``) without a
word, so the raw main fields are written: ``duration_value`` in milliseconds for time steps,
the rep count for reps steps, the step index to loop back to for repeat steps, whose
``target_value`` is the number of times the block is done in all.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from garmin_fit_sdk import Decoder, Encoder, Profile, Stream

from plugin import catalog
from plugin.catalog.model import CompletedSession, DoseKind, ExerciseDone, Routine
from plugin.errors import InvalidInput
from plugin.formats.text import notes_lines
from plugin.formats.workout_steps import (
    FIT_STRING_BYTES,
    Block,
    Repeat,
    Step,
    clip_utf8,
    exercise_for_code,
    pack_lines,
    routine_blocks,
    utf8_len,
)
from plugin.i18n import LANGUAGES, N_, _, language

MEDIA_TYPE = "application/vnd.ant.fit"
EXTENSION = "fit"

MESG = Profile["mesg_num"]
# Reproducible reference exports: a fixed creation time, and a serial derived from the routine id
# (type + manufacturer + product + serial must be unique per workout file on a device).
TIME_CREATED = datetime(2026, 1, 1, tzinfo=UTC)
SPORT, SUB_SPORT = "training", "flexibility_training"
READ_FIRST = N_("Read before you start")
MORE_CAUTIONS = N_("More cautions: step 1.")


def serial_number(routine_id: str) -> int:
    """CRC32 of the routine id; serial_number is uint32z, where 0 means invalid."""
    return zlib.crc32(routine_id.encode("utf-8")) or 1


@dataclass(frozen=True)
class RepeatStep:
    """A FIT repeat step: go back to step ``back_to`` until the block is done ``count`` times."""

    back_to: int
    count: int


def description_and_read_first(routine: Routine) -> tuple[str, list[Step]]:
    """The workout description and the read-first steps that carry the cautions that overflow it."""
    lines = notes_lines(routine)
    chunks = pack_lines(lines)
    if len(chunks) <= 1:
        return "".join(chunks), []
    # The pointer to step 1 is counted in bytes: a translated one may hold letters of two.
    more = " " + _(MORE_CAUTIONS)
    chunks = pack_lines(lines, FIT_STRING_BYTES - utf8_len(more))
    rest = chunks[1:]
    read_first = _(READ_FIRST)
    steps = [
        Step(
            read_first if len(rest) == 1 else f"{read_first} ({n}/{len(rest)})",
            "rest",
            notes=chunk,
        )
        for n, chunk in enumerate(rest, start=1)
    ]
    return chunks[0] + more, steps


def fit_steps(routine: Routine) -> list[Step | RepeatStep]:
    """The workout's steps in file order: index i here is the step's message_index."""
    _, read_first = description_and_read_first(routine)
    flat: list[Step | RepeatStep] = list(read_first)
    blocks: list[Block] = routine_blocks(routine)
    for block in blocks:
        if isinstance(block, Repeat):
            start = len(flat)
            flat.extend(block.steps)
            flat.append(RepeatStep(back_to=start, count=block.count))
        else:
            flat.append(block)
    return flat


def _step_message(index: int, step: Step | RepeatStep) -> dict[str, Any]:
    if isinstance(step, RepeatStep):
        return {
            "mesg_num": MESG["WORKOUT_STEP"],
            "message_index": index,
            "duration_type": "repeat_until_steps_cmplt",
            "duration_value": step.back_to,
            "target_value": step.count,
        }
    if step.seconds is not None:
        duration_type, duration_value = "time", step.seconds * 1000  # duration_time has scale 1000
    elif step.reps is not None:
        duration_type, duration_value = "reps", step.reps
    else:
        duration_type, duration_value = "open", None
    return {
        "mesg_num": MESG["WORKOUT_STEP"],
        "message_index": index,
        "wkt_step_name": clip_utf8(step.name),
        "duration_type": duration_type,
        "duration_value": duration_value,
        "target_type": "open",
        "intensity": step.intensity,
        "notes": step.notes or None,
        "exercise_category": step.code.category if step.code else None,
        "exercise_name": step.code.name_id if step.code else None,
    }


def _title_messages(routine: Routine, steps: list[Step | RepeatStep]) -> list[dict[str, Any]]:
    """One exercise_title per Garmin exercise used: our exercise name on the watch.

    A title belongs to a category/name pair, so when two of ours share a pair in one routine
    (contract-relax and legs-up-wall) the first names it; each step still has its own name.
    """
    names = {entry.exercise.id: entry.exercise.name for entry in routine.entries}
    titles: dict[tuple[str, int], str] = {}
    for step in steps:
        if isinstance(step, Step) and step.code and step.exercise_id:
            titles.setdefault((step.code.category, step.code.name_id), names[step.exercise_id])
    return [
        {
            "mesg_num": MESG["EXERCISE_TITLE"],
            "message_index": i,
            "exercise_category": category,
            "exercise_name": name_id,
            "wkt_step_name": clip_utf8(title),
        }
        for i, ((category, name_id), title) in enumerate(titles.items())
    ]


def export(routine: Routine) -> bytes:
    """The routine as a FIT workout file (file_id, workout, workout_step…, exercise_title…)."""
    description, _read_first = description_and_read_first(routine)
    steps = fit_steps(routine)
    encoder = Encoder()
    encoder.write_mesg(
        {
            "mesg_num": MESG["FILE_ID"],
            "type": "workout",
            "manufacturer": "development",
            "product": 0,
            "serial_number": serial_number(routine.id),
            "time_created": TIME_CREATED,
            "product_name": "stretchsync",
        }
    )
    encoder.write_mesg(
        {
            "mesg_num": MESG["WORKOUT"],
            "wkt_name": clip_utf8(routine.name),
            "sport": SPORT,
            "sub_sport": SUB_SPORT,
            # Common practice: every workout_step counts, repeats too (docs/garmin.md#fit-workout-file).
            "num_valid_steps": len(steps),
            "wkt_description": description or None,
        }
    )
    for index, step in enumerate(steps):
        encoder.write_mesg(_step_message(index, step))
    for message in _title_messages(routine, steps):
        encoder.write_mesg(message)
    return bytes(encoder.close())


# --- reading a recorded activity ----------------------------------------------------------


def decode(data: bytes) -> dict[str, list[dict[str, Any]]]:
    """Decode a FIT file with Garmin's decoder; InvalidInput(field="file") if it is not sound.

    check_integrity() uses up its stream (docs/garmin.md#library-pitfalls), so each pass gets a fresh one.
    """
    try:
        if not Decoder(Stream.from_byte_array(bytearray(data))).is_fit():
            raise InvalidInput(N_("not a FIT file"), field="file")
        if not Decoder(Stream.from_byte_array(bytearray(data))).check_integrity():
            raise InvalidInput(N_("the FIT file is truncated or its CRC does not match"), field="file")
        messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    except InvalidInput:
        raise
    except Exception as err:  # noqa: BLE001 - the SDK's own failure on hostile bytes is the file's fault
        raise InvalidInput(
            N_("the FIT file cannot be decoded: {reason}"),
            field="file",
            values={"reason": type(err).__name__},
        ) from None
    if errors:
        raise InvalidInput(
            N_("the FIT file cannot be decoded: {reason}"), field="file", values={"reason": errors[0]}
        )
    # The SDK types the messages as TypedDicts of its profile; they are read here as plain
    # field → value dicts, since a field the profile does not name still arrives (by number).
    return cast("dict[str, list[dict[str, Any]]]", messages)


# --- reading decoded fields defensively ----------------------------------------------------
# A CRC only proves the bytes arrived as sent, not that they make sense: a field may decode as
# an array, a number of another type, or a value out of range (docs/hardening.md#fit-files).
# Every field is read through one of these, and anything else is InvalidInput naming "file".
MAX_SECONDS = 7 * 24 * 3600.0


def _bad_field(what: str, value: Any) -> InvalidInput:
    return InvalidInput(
        N_("the FIT {what} is not readable ({kind})"),
        field="file",
        values={"what": what, "kind": type(value).__name__},
    )


def _seconds(value: Any, what: str) -> int | None:
    """A span in seconds rounded to whole ones, or None when the field is absent."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad_field(what, value)
    if not (math.isfinite(value) and 0 <= value <= MAX_SECONDS):
        raise InvalidInput(N_("the FIT {what} is out of range"), field="file", values={"what": what})
    return round(value)


def _whole(value: Any, what: str) -> int | None:
    """A count or an index (a non-negative integer), or None when absent."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _bad_field(what, value)
    return value


def _moment(value: Any, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidInput(N_("the FIT {what} is missing or not a time"), field="file", values={"what": what})
    return value


def _name(value: Any) -> str | None:
    """A string field, or None when absent or of another type (names only help matching)."""
    value = _first(value)
    return value if isinstance(value, str) else None


def _messages(messages: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    found = messages.get(kind) or []
    if not isinstance(found, list) or not all(isinstance(m, dict) for m in found):
        raise InvalidInput(N_("the FIT {what} are not readable"), field="file", values={"what": kind})
    return found


def _routine_for_name(name: str | None, routines: tuple[Routine, ...]) -> Routine | None:
    """The routine whose wkt_name (its name in any language) or id equals ``name``, ignoring case."""
    if not name:
        return None
    wanted = name.strip().casefold()
    for routine in routines:
        names = {clip_utf8(language(code).gettext(routine.name)).strip().casefold() for code in LANGUAGES}
        if wanted in names or wanted == routine.id.casefold():
            return routine
    return None


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) else value


def _exercise_done(
    fit_set: dict[str, Any], routine: Routine | None, plan: list[Step | RepeatStep]
) -> ExerciseDone:
    duration_s = _seconds(fit_set.get("duration"), "set duration")
    step_index = _whole(fit_set.get("wkt_step_index"), "set wkt_step_index")
    planned = plan[step_index] if routine and step_index is not None and step_index < len(plan) else None
    if isinstance(planned, Step) and planned.exercise_id:
        exercise_id, side = planned.exercise_id, planned.side
    else:
        category, name_id = _first(fit_set.get("category")), _first(fit_set.get("category_subtype"))
        if not isinstance(category, str | int | None) or not isinstance(name_id, str | int | None):
            raise _bad_field("set category", category)
        known = (
            exercise_for_code(category, name_id)
            if isinstance(category, str) and isinstance(name_id, int)
            else None
        )
        exercise_id = known or f"fit:{category}/{name_id}"
        side = None
    holds = {e.exercise.id for e in routine.entries if e.dose.kind is DoseKind.HOLD} if routine else set()
    return ExerciseDone(
        exercise_id=exercise_id,
        sets=1,
        reps=_whole(fit_set.get("repetitions"), "set repetitions"),
        hold_s=duration_s if exercise_id in holds else None,
        duration_s=duration_s,
        side=side,
    )


def parse_activity(data: bytes, routines: Iterable[Routine] = ()) -> CompletedSession:
    """Read a recorded FIT activity file into a CompletedSession.

    - ``source_id``: file_id serial_number and time_created ("<serial>-<unix seconds>"), the
      same for every upload of one recording.
    - start and length: the first ``session`` message's start_time and total_elapsed_time.
    - ``routine_id``: the routine (built-in, or among ``routines``) whose name or id equals the
      activity's workout name (``workout.wkt_name``, written by the watch when a workout was
      followed) or else the session's sport_profile_name; None when nothing matches.
    - exercises: one ExerciseDone per active ``set`` message, in order. Its exercise comes from
      the matched routine's workout step (``wkt_step_index``, which also gives the side), else
      from the set's category/category_subtype through the exercise table when exactly one
      of ours uses that pair, else ``"fit:<category>/<subtype>"`` so nothing done is dropped.
    - ``notes``: the session's sport and sub-sport.

    Raises InvalidInput(field="file") for a file that is not a sound FIT activity.
    """
    messages = decode(data)
    file_id = _first(_messages(messages, "file_id_mesgs") or [{}])
    if file_id.get("type") != "activity":
        kind = file_id.get("type")
        raise InvalidInput(
            N_("a FIT activity file is needed, not {kind}")
            if isinstance(kind, str)
            else N_("a FIT activity file is needed, not an untyped file"),
            field="file",
            values={"kind": kind} if isinstance(kind, str) else None,
        )
    time_created = _moment(file_id.get("time_created"), "file_id time_created")
    serial = _whole(_first(file_id.get("serial_number")), "file_id serial_number")
    sessions = _messages(messages, "session_mesgs")
    if not sessions:
        raise InvalidInput(N_("the FIT activity has no session message"), field="file")
    session = sessions[0]
    started_at = _moment(session.get("start_time"), "session start_time")
    elapsed = _seconds(session.get("total_elapsed_time"), "session total_elapsed_time")
    if elapsed is None:
        raise InvalidInput("the FIT session has no start_time or total_elapsed_time", field="file")

    known = (*catalog.builtin_routines(), *routines)
    workout_name = _name(_first(_messages(messages, "workout_mesgs") or [{}]).get("wkt_name"))
    routine = _routine_for_name(workout_name, known) or _routine_for_name(
        _name(session.get("sport_profile_name")), known
    )
    plan = fit_steps(routine) if routine else []
    active = [s for s in _messages(messages, "set_mesgs") if s.get("set_type") == "active"]
    sport, sub_sport = _name(session.get("sport")) or "unknown", _name(session.get("sub_sport")) or "generic"
    return CompletedSession(
        source="fit",
        source_id=f"{serial or 0}-{int(time_created.timestamp())}",
        routine_id=routine.id if routine else None,
        started_at=started_at,
        duration_s=elapsed,
        exercises=tuple(_exercise_done(s, routine, plan) for s in active),
        notes=f"sport: {sport}/{sub_sport}",
    )

"""FIT workout export, checked with Garmin's own decoder (garmin-fit-sdk)."""

from __future__ import annotations

import zlib
from typing import Any

import pytest
from expected_steps import has_counted, performed
from garmin_fit_sdk import Decoder, Profile, Stream

from plugin import catalog
from plugin.catalog.model import Caution, CautionKind, Routine, RoutineEntry, ordered_cautions
from plugin.cli import main
from plugin.formats import fit
from plugin.formats.workout_steps import EXERCISE_CODES
from plugin.services.routines import build_routine

ROUTINES = catalog.builtin_routines()

# Custom routines that reach the branches the built-ins do not: reps repeated per side, sets
# with several reps, continuous sets with rests, counted sets, contract-relax with no relax.
CUSTOM = (
    build_routine(
        "custom-reps-per-side", "Lying holds ×3 each leg", "", [{"exercise": "lying-hamstring", "reps": 3}]
    ),
    build_routine(
        "custom-sets-and-reps",
        "Band sets",
        "",
        [{"exercise": "band-hamstring", "sets": 2, "reps": 2, "hold_s": 20, "rest_s": 5}],
    ),
    build_routine(
        "custom-mixed",
        "Trunk twice, chairs twice",
        "",
        [
            {"exercise": "standing-trunk-rotation", "sets": 2, "rest_s": 30, "duration_s": 120},
            {"exercise": "seated-two-chair-hamstring", "sets": 2},
            {"exercise": "knees-to-chest"},
        ],
    ),
    build_routine(
        "custom-no-relax", "Pushes, no pause", "", [{"exercise": "contract-relax-hamstring", "rest_s": 0}]
    ),
)


def decode(data: bytes) -> dict[str, list[dict[str, Any]]]:
    """Decode with the official SDK, insisting on a sound file (a fresh stream per pass: docs/garmin.md)."""
    assert Decoder(Stream.from_byte_array(bytearray(data))).is_fit()
    assert Decoder(Stream.from_byte_array(bytearray(data))).check_integrity()
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    return messages


def walk(steps: list[dict[str, Any]]) -> list[int]:
    """The indexes of the steps a watch goes through, following repeats by their decoded sub-fields."""
    done: list[int] = []
    passes: dict[int, int] = {}
    i = 0
    while i < len(steps):
        step = steps[i]
        if step["duration_type"] == "repeat_until_steps_cmplt":
            passes[i] = passes.get(i, 1)
            if passes[i] < step["repeat_steps"]:
                passes[i] += 1
                i = step["duration_step"]
                continue
            del passes[i]
        else:
            done.append(i)
        i += 1
    return done


def run(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [steps[i] for i in walk(steps)]


def strings(messages: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Every string the watch can show."""
    out = [m["wkt_name"] for m in messages["workout_mesgs"]]
    out += [m["wkt_description"] for m in messages["workout_mesgs"]]
    for step in messages["workout_step_mesgs"]:
        out += [step.get("wkt_step_name", ""), step.get("notes", "")]
    out += [m["wkt_step_name"] for m in messages.get("exercise_title_mesgs", [])]
    return out


def leading_read_first(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    first = []
    for step in steps:
        if step["duration_type"] != "open" or not step["wkt_step_name"].startswith(fit.READ_FIRST):
            break
        first.append(step)
    return first


@pytest.mark.parametrize("routine", ROUTINES + CUSTOM, ids=lambda r: r.id)
def test_every_step_matches_the_model(routine: Routine) -> None:
    messages = decode(fit.export(routine))
    steps = messages["workout_step_mesgs"]
    (workout,) = messages["workout_mesgs"]
    assert workout["num_valid_steps"] == len(steps)
    assert [s["message_index"] for s in steps] == list(range(len(steps)))
    for index, step in enumerate(steps):
        if step["duration_type"] == "repeat_until_steps_cmplt":
            assert 0 <= step["duration_step"] < index
            assert step["repeat_steps"] >= 2

    read_first = leading_read_first(steps)
    for step in read_first:
        assert step["intensity"] == "rest"
    walked = [s for s in run(steps)[len(read_first) :] if not s["wkt_step_name"].endswith("read first")]
    expected = performed(routine)
    assert len(walked) == len(expected)
    for got, want in zip(walked, expected, strict=True):
        assert got["intensity"] == want.intensity
        if want.seconds is not None:
            assert (got["duration_type"], got["duration_value"]) == ("time", want.seconds * 1000)
            assert got["duration_time"] == want.seconds
        else:
            assert (got["duration_type"], got["duration_value"], got["duration_reps"]) == (
                "reps",
                want.reps,
                want.reps,
            )
        if want.intensity == "active":
            name = got["wkt_step_name"]
            assert name.startswith(want.exercise.name)
            assert name.endswith(want.side) if want.side else not name.endswith(("left", "right"))
            code = EXERCISE_CODES[want.exercise.id]
            assert (got["exercise_category"], got["exercise_name"]) == (code.category, code.name_id)
            for caution in want.exercise.cautions:
                assert caution.short in got["notes"]
            assert want.exercise.cue in got["notes"]
    if not has_counted(routine):
        assert sum(s["duration_value"] for s in walked) == routine.duration_s * 1000


def test_contract_relax_hand_written() -> None:
    """Written out by hand from the article: 3 sets × (left, right) × 3 × (6 s push, 10 s relax)."""
    messages = decode(fit.export(catalog.builtin_routine("contract-relax")))
    steps = messages["workout_step_mesgs"]
    first = len(leading_read_first(steps))
    push_left = ("time", 6000, "active", "Contract-relax hamstring stretch: push, left")
    push_right = ("time", 6000, "active", "Contract-relax hamstring stretch: push, right")
    relax = ("time", 10000, "rest", "Relax and breathe")
    assert [
        (s["duration_type"], s["duration_value"], s["intensity"], s["wkt_step_name"]) for s in steps[first:-1]
    ] == [
        push_left,
        relax,
        push_left,
        relax,
        push_left,
        relax,
        push_right,
        relax,
        push_right,
        relax,
        push_right,
        relax,
    ]
    repeat = steps[-1]
    assert repeat["duration_type"] == "repeat_until_steps_cmplt"
    assert (repeat["duration_step"], repeat["repeat_steps"]) == (first, 3)
    assert all((s["exercise_category"], s["exercise_name"]) == ("warm_up", 44) for s in steps[first:-1:2])
    # The foot position of each set is on the relax steps, in the order of the article.
    sets = "Set 1: foot pointing up; set 2: foot turned in; set 3: foot turned out."
    assert steps[first + 1]["notes"] == sets
    (workout,) = messages["workout_mesgs"]
    assert (workout["sport"], workout["sub_sport"]) == ("training", "flexibility_training")
    assert workout["wkt_name"] == "Contract-relax hamstring"
    (title,) = messages["exercise_title_mesgs"]
    assert (title["exercise_category"], title["exercise_name"], title["wkt_step_name"]) == (
        "warm_up",
        44,
        "Contract-relax hamstring stretch",
    )


@pytest.mark.parametrize("routine", ROUTINES + CUSTOM, ids=lambda r: r.id)
def test_every_caution_is_in_the_file(routine: Routine) -> None:
    messages = decode(fit.export(routine))
    blob = "\n".join(strings(messages))
    for caution in routine.cautions:
        assert caution.text in blob
    # Contraindications come first: in the description, before anything else.
    description = messages["workout_mesgs"][0]["wkt_description"]
    first = routine.cautions[0]
    assert description.startswith(
        f"Contraindication: {first.text}" if first.kind.value == "contraindication" else ""
    )


def test_file_id_is_reproducible_and_unique_per_routine() -> None:
    routine = catalog.builtin_routine("daily-hamstring")
    assert fit.export(routine) == fit.export(routine)
    (file_id,) = decode(fit.export(routine))["file_id_mesgs"]
    assert file_id["type"] == "workout"
    assert file_id["serial_number"] == zlib.crc32(b"daily-hamstring")
    assert file_id["time_created"] == fit.TIME_CREATED
    serials = {decode(fit.export(r))["file_id_mesgs"][0]["serial_number"] for r in ROUTINES}
    assert len(serials) == len(ROUTINES)


def test_exercise_table_covers_the_catalog_with_real_profile_names() -> None:
    for exercise in catalog.exercises():
        code = EXERCISE_CODES[exercise.id]
        assert Profile["types"][f"{code.category}_exercise_name"][code.name_id] == code.name_key


def _long_caution(n: int, words: int) -> Caution:
    # Multi-byte text: the limit is in UTF-8 bytes, not characters.
    return Caution(
        f"long-{n}", CautionKind.STOP, " ".join(f"Übung{n}-{w} ständig" for w in range(words)), "Stop"
    )


def test_cautions_that_overflow_every_string_continue_in_read_first_steps() -> None:
    base = catalog.exercise("knees-to-chest")
    cautions = (*base.cautions, _long_caution(1, 12), _long_caution(2, 40), _long_caution(3, 8))
    exercise = type(base)(**{**base.__dict__, "cautions": cautions})
    routine = Routine(
        id="custom-long",
        name="Zähe Dehnung " * 30,  # longer than any FIT string
        description="",
        entries=(RoutineEntry(exercise, exercise.dose),),
        builtin=False,
    )
    messages = decode(fit.export(routine))
    for text in strings(messages):
        assert len(text.encode("utf-8")) <= 254
    steps = messages["workout_step_mesgs"]
    read_first = leading_read_first(steps)
    assert len(read_first) >= 2
    description = messages["workout_mesgs"][0]["wkt_description"]
    assert description.endswith(fit.MORE_CAUTIONS)
    # Reassemble: the description, then each read-first step in order; a caution longer than a
    # string is split between words, so joining with spaces and newlines gives it back.
    pieces = [description.removesuffix(fit.MORE_CAUTIONS), *(s["notes"] for s in read_first)]
    flat = " ".join(" ".join(pieces).split())
    for caution in ordered_cautions(cautions):
        assert caution.text in flat


def test_notes_without_a_relax_step_get_an_open_step_before_the_exercise() -> None:
    steps = decode(fit.export(CUSTOM[-1]))["workout_step_mesgs"]
    (extra,) = [s for s in steps if s.get("wkt_step_name", "").endswith("read first")]
    assert (extra["duration_type"], extra["intensity"]) == ("open", "rest")
    assert "Set 1: foot pointing up" in extra["notes"]
    assert not any(s.get("intensity") == "rest" and s["duration_type"] == "time" for s in steps)


def test_a_routine_without_cautions_or_cue_still_exports() -> None:
    base = catalog.exercise("standing-trunk-rotation")
    bare = type(base)(**{**base.__dict__, "cautions": (), "cue": ""})
    routine = Routine("custom-bare", "Bare", "", (RoutineEntry(bare, bare.dose),), builtin=False)
    messages = decode(fit.export(routine))
    assert "wkt_description" not in messages["workout_mesgs"][0]
    (step,) = messages["workout_step_mesgs"]
    assert (step["duration_value"], "notes" in step) == (180_000, False)


def test_a_flipped_byte_is_rejected_by_the_decoder() -> None:
    data = bytearray(fit.export(catalog.builtin_routine("trunk-rotation")))
    data[len(data) // 2] ^= 0xFF
    assert not Decoder(Stream.from_byte_array(bytearray(data))).check_integrity()
    _, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors


def test_http_export_is_a_fit_file(client) -> None:
    response = client.get("/routines/desk-break/export/fit")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.ant.fit"
    assert 'filename="desk-break.fit"' in response.headers["Content-Disposition"]
    assert decode(response.data)["workout_mesgs"][0]["wkt_name"] == "Desk-worker hamstring break"


def test_cli_export_writes_the_same_file(runner, tmp_path) -> None:
    out = tmp_path / "wall.fit"
    result = runner.invoke(main, ["export", "--routine", "wall-hamstring", "--format", "fit", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == fit.export(catalog.builtin_routine("wall-hamstring"))

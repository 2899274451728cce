"""One routine as the timed steps a watch walks through: shared by the FIT and Garmin JSON exports.

Mapping (docs/garmin.md#fit-workout-file), per routine entry:

- a hold is a timed work step of ``hold_s``; a contract-relax rep is a push step of
  ``contract_s`` followed by its relax step (``rest_s``); continuous work is one timed step
  of ``duration_s``; counted work is one reps step of ``reps`` (the pauses between reps
  happen inside it);
- every work step is followed by a rest step of ``rest_s`` (when it is not 0), so for all
  but counted work the timed steps add up to ``Dose.seconds``;
- per-side exercises get a left and a right step;
- sets: one set's steps (every side, every rep) are written once inside a repeat block of
  ``sets``; with one set, reps of a hold or push become a repeat block of ``reps`` per side.
  Repeats are never nested: a FIT repeat only loops back to an earlier step, and no source
  we read says how watches handle a repeat inside a repeat.

Every work step carries a Garmin exercise category and name (``EXERCISE_CODES``: the one
table, exercise id → FIT profile values) and notes with the exercise's cautions (short form,
contraindications first) and its cue. Rest steps name no exercise, but remember whose rest
they are (``exercise_id``, ``side``) for reading a recorded activity back.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from plugin.catalog.model import DoseKind, Exercise, Routine, RoutineEntry, ordered_cautions
from plugin.i18n import N_, _

# A step's side, after the exercise's name: "Lying hamstring stretch, left".
SIDE_WORD = {"left": N_("left"), "right": N_("right")}


@dataclass(frozen=True)
class ExerciseCode:
    """A FIT profile exercise: ``exercise_category`` enum name and its ``<category>_exercise_name`` value."""

    category: str
    name_id: int
    name_key: str  # the profile's name for name_id (Garmin Connect JSON spells it in capitals)


# The one table: our exercise id → Garmin exercise (garmin-fit-sdk 21.218; docs/garmin.md#exercise-categories)
# There is no "stretch" category; stretches live under warm_up and move. Pairs are unique except
# legs-up-wall, which has no closer match than the generic hamstring stretch (the activity
# parser resolves that pair through wkt_step_index instead of this table).
EXERCISE_CODES: dict[str, ExerciseCode] = {
    "contract-relax-hamstring": ExerciseCode("warm_up", 44, "stretch_hamstring"),
    "lying-hamstring": ExerciseCode("move", 16, "hamstring_stretch"),
    "standing-forward-bend": ExerciseCode("warm_up", 33, "standing_hamstring_stretch"),
    "seated-two-chair-hamstring": ExerciseCode("move", 84, "toe_touch"),
    "band-hamstring": ExerciseCode("move", 22, "leg_stretch_with_band"),
    "legs-up-wall-hamstring": ExerciseCode("warm_up", 44, "stretch_hamstring"),
    "knees-to-chest": ExerciseCode("warm_up", 52, "stretch_lying_knee_to_chest"),
    "standing-trunk-rotation": ExerciseCode("move", 82, "trunk_rotations"),
    "yoga-block-forward-fold": ExerciseCode("move", 12, "forward_fold"),
}
# An exercise missing from the table (none today: a test checks the catalog) still gets a code.
FALLBACK_CODES = {
    "trunk": ExerciseCode("move", 82, "trunk_rotations"),
    "hamstring": ExerciseCode("warm_up", 44, "stretch_hamstring"),
}


def exercise_code(exercise: Exercise) -> ExerciseCode:
    """The Garmin exercise for one of ours."""
    return EXERCISE_CODES.get(exercise.id) or FALLBACK_CODES.get(
        exercise.focus.value, FALLBACK_CODES["hamstring"]
    )


def exercise_for_code(category: str, name_id: int) -> str | None:
    """Our exercise id for a Garmin category/name pair, when exactly one of ours uses it."""
    matches = [
        ex_id
        for ex_id, code in EXERCISE_CODES.items()
        if (code.category, code.name_id) == (category, name_id)
    ]
    return matches[0] if len(matches) == 1 else None


# FIT strings: the field size is one byte and includes the null terminator (docs/garmin.md#text-limits).
FIT_STRING_BYTES = 254


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def clip_utf8(text: str, limit: int = FIT_STRING_BYTES) -> str:
    """Cut text to at most ``limit`` UTF-8 bytes without splitting a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def pack_lines(lines: list[str], limit: int = FIT_STRING_BYTES, sep: str = "\n") -> list[str]:
    """Pack whole lines into as few chunks of at most ``limit`` UTF-8 bytes as possible.

    A line longer than ``limit`` on its own is split between words (or, for a single
    overlong word, between characters), so nothing is ever dropped.
    """
    pieces: list[str] = []
    for line in lines:
        pieces.extend(_split_long(line, limit))
    chunks: list[str] = []
    for piece in pieces:
        if chunks and utf8_len(chunks[-1] + sep + piece) <= limit:
            chunks[-1] += sep + piece
        else:
            chunks.append(piece)
    return chunks


def _split_long(line: str, limit: int) -> Iterator[str]:
    current = ""
    for word in line.split(" "):
        candidate = f"{current} {word}" if current else word
        if utf8_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            yield current
        while utf8_len(word) > limit:
            head = clip_utf8(word, limit)
            yield head
            word = word[len(head) :]
        current = word
    if current:
        yield current


@dataclass(frozen=True)
class Step:
    """One step on the watch: timed (``seconds``), counted (``reps``) or open (neither)."""

    name: str
    intensity: str  # "active" | "rest" (FIT intensity enum names)
    seconds: int | None = None
    reps: int | None = None
    notes: str = ""
    exercise_id: str | None = None
    side: str | None = None
    code: ExerciseCode | None = None


@dataclass(frozen=True)
class Repeat:
    """Do ``steps`` ``count`` times in all."""

    count: int
    steps: tuple[Step, ...]


Block = Step | Repeat


def exercise_notes(entry: RoutineEntry) -> list[str]:
    """The notes of an exercise's work steps, as chunks that each fit a FIT string.

    The cautions come first (short form, contraindications first; their full texts are in the
    workout description), then the cue, then the foot position of each set where it changes.
    The first chunk goes on every work step (see ``entry_blocks`` for the rest).
    """
    ex = entry.exercise
    parts = [f"{c.short}." for c in ordered_cautions(ex.cautions)]
    if ex.cue:
        parts.append(_("Cue: {cue}.").format(cue=ex.cue))
    if ex.variation_per_set and ex.variations:
        order = "; ".join(
            _("set {n}: {variation}").format(n=n, variation=v)
            for n, v in enumerate(_set_variations(entry), start=1)
        )
        parts.append(f"{order[0].upper()}{order[1:]}.")
    return pack_lines(parts, sep=" ") or [""]


def _set_variations(entry: RoutineEntry) -> list[str]:
    return [entry.variation_for_set(n) or "" for n in range(1, entry.dose.sets + 1)]


def work_name(entry: RoutineEntry, side: str | None) -> str:
    """'Lying hamstring stretch, left'; contract-relax steps say 'push'."""
    name = entry.exercise.name
    if entry.dose.kind is DoseKind.CONTRACT_RELAX:
        name = _("{name}: push").format(name=name)
    return f"{name}, {_(SIDE_WORD[side])}" if side else name


def rest_name(entry: RoutineEntry) -> str:
    return _("Relax and breathe") if entry.dose.kind is DoseKind.CONTRACT_RELAX else _("Rest")


def _side_steps(entry: RoutineEntry, side: str | None, reps: int, rest_notes: str) -> list[Step]:
    """The steps of ``reps`` reps on one side: work, then rest, for every rep."""
    dose = entry.dose
    # Only work steps name a Garmin exercise: a rest is no exercise on the watch.
    work = Step(
        work_name(entry, side),
        "active",
        notes=exercise_notes(entry)[0],
        code=exercise_code(entry.exercise),
        exercise_id=entry.exercise.id,
        side=side,
    )
    if dose.kind is DoseKind.COUNTED:
        work = replace(work, reps=dose.reps)
        reps = 1  # the reps step counts them all
    else:
        work = replace(work, seconds=dose.work_s)
    out: list[Step] = []
    for _rep in range(reps):
        out.append(work)
        if dose.rest_s:
            rest = Step(
                rest_name(entry),
                "rest",
                seconds=dose.rest_s,
                notes=rest_notes,
                exercise_id=entry.exercise.id,
                side=side,
            )
            out.append(rest)
    return out


def entry_blocks(entry: RoutineEntry) -> list[Block]:
    """The steps of one routine entry, with its sets (or reps) as repeat blocks.

    Notes that do not fit the work steps go on the rest step after each of them; when there
    is no rest step (or still more is left), on open "read first" steps before the exercise.
    """
    dose = entry.dose
    more = exercise_notes(entry)[1:]
    rest_notes = more.pop(0) if more and dose.rest_s else ""
    blocks: list[Block] = [
        Step(
            _("{name}: read first").format(name=entry.exercise.name),
            "rest",
            notes=chunk,
            exercise_id=entry.exercise.id,
        )
        for chunk in more
    ]
    if dose.sets > 1:
        one_set = [s for side in dose.sides for s in _side_steps(entry, side, dose.reps, rest_notes)]
        return [*blocks, Repeat(dose.sets, tuple(one_set))]
    repeats_reps = dose.kind in (DoseKind.HOLD, DoseKind.CONTRACT_RELAX) and dose.reps > 1
    for side in dose.sides:
        if repeats_reps:
            blocks.append(Repeat(dose.reps, tuple(_side_steps(entry, side, 1, rest_notes))))
        else:
            blocks.extend(_side_steps(entry, side, dose.reps, rest_notes))
    return blocks


def routine_blocks(routine: Routine) -> list[Block]:
    """Every step of the routine, in order."""
    return [block for entry in routine.entries for block in entry_blocks(entry)]

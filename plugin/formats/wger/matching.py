"""Which of wger's exercises stands for one of ours: search terms and name matching."""

from __future__ import annotations

from collections.abc import Sequence

from plugin.catalog.model import Exercise, Focus

# What to search wger's exercise list for, most specific first: names of the same
# stretch only. A candidate matches a term when its name has exactly the term's words.
SEARCH_TERMS: dict[str, tuple[str, ...]] = {
    "contract-relax-hamstring": ("contract relax hamstring stretch", "pnf hamstring stretch"),
    "lying-hamstring": ("lying hamstring stretch", "supine hamstring stretch"),
    "standing-forward-bend": ("standing forward bend", "standing forward fold", "toe touch"),
    "seated-two-chair-hamstring": ("seated hamstring stretch",),
    "band-hamstring": ("band hamstring stretch", "strap hamstring stretch"),
    "legs-up-wall-hamstring": ("legs up the wall", "legs up the wall hamstring stretch"),
    "knees-to-chest": ("knees to chest", "knee to chest"),
    "standing-trunk-rotation": ("standing trunk rotation", "trunk rotation", "torso rotation", "trunk twist"),
    "yoga-block-forward-fold": ("yoga block forward fold", "forward fold"),
}
# No generic term ("stretch") and no stand-in: an exercise found must be the same
# stretch, never another one shown as the one to do (docs/wger.md#exercises).
# When nothing matches, the tracker adds our own exercise where the server lets
# the user add one, else the set carries our text alone.
CATEGORY: dict[Focus, str] = {Focus.HAMSTRING: "Legs", Focus.TRUNK: "Abs", Focus.MIXED: "Back"}
DESCRIPTION_CHARS = (40, 2000)  # wger 2.1 exercise description: MinLengthValidator(40), max_length 2000


def search_terms(exercise: Exercise) -> list[str]:
    """Terms to search for, in the order they are tried; our own name last (an exercise we added)."""
    own = SEARCH_TERMS.get(exercise.id, ())
    return list(dict.fromkeys([*own, exercise.name.lower()]))


def own_exercise(exercise: Exercise) -> dict[str, str]:
    """Name and description of the exercise we add to a wger server for one of ours."""
    text = " ".join(exercise.steps) or exercise.cue or exercise.name
    low, high = DESCRIPTION_CHARS
    if len(text) < low:
        text = f"{exercise.name}: {text}".ljust(low, ".")
    return {"name": exercise.name, "description": text[:high]}


def words(text: str) -> set[str]:
    """The lower-case words of a name, punctuation dropped."""
    return {w for w in "".join(c if c.isalnum() else " " for c in text.lower()).split() if w}


def matches(term: str, name: str) -> bool:
    """Whether ``name`` has exactly the words of ``term`` (a trailing plural 's' ignored).

    Exact, not "contains": "Trunk Rotation With Cable" is not our standing trunk rotation.
    """
    return {w.rstrip("s") for w in words(name)} == {w.rstrip("s") for w in words(term)}


def pick(term: str, candidates: Sequence[tuple[int, str]]) -> int | None:
    """The first candidate (id, name) matching ``term``; the shortest name wins among several."""
    hits = [(len(name), i, cid) for i, (cid, name) in enumerate(candidates) if matches(term, name)]
    return min(hits)[2] if hits else None

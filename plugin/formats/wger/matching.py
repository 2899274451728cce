"""Which of wger's exercises stands for one of ours: search terms and name matching."""

from __future__ import annotations

from collections.abc import Sequence

from plugin.catalog.model import Exercise, Focus

# What to search wger's exercise list for, most specific first. A candidate matches
# a term when every word of the term is in its name.
SEARCH_TERMS: dict[str, tuple[str, ...]] = {
    "contract-relax-hamstring": ("hamstring stretch",),
    "lying-hamstring": ("lying hamstring stretch", "hamstring stretch"),
    "standing-forward-bend": ("standing forward bend", "forward fold", "toe touch", "hamstring stretch"),
    "seated-two-chair-hamstring": ("seated hamstring stretch", "hamstring stretch"),
    "band-hamstring": ("band hamstring stretch", "hamstring stretch"),
    "legs-up-wall-hamstring": ("legs up the wall", "hamstring stretch"),
    "knees-to-chest": ("knees to chest", "knee to chest"),
    "standing-trunk-rotation": ("trunk rotation", "torso rotation", "trunk twist"),
    "yoga-block-forward-fold": ("forward fold", "hamstring stretch"),
}
GENERIC_TERMS = ("stretch", "stretching", "mobility")
# wger 2.1's bundled exercise list has no stretch at all (docs/wger.md#exercises: no Stretching
# category): when nothing above matches, a stand-in close to the movement is
# used and the setting comment names our exercise.
STAND_IN_TERMS: dict[Focus, tuple[str, ...]] = {
    Focus.HAMSTRING: ("leg raises lying", "leg raise"),
    Focus.TRUNK: ("trunk rotation", "russian twist", "crunches"),
    Focus.MIXED: ("leg raise",),
}


def search_terms(exercise: Exercise) -> list[str]:
    """Terms to search for, in the order they are tried."""
    own = SEARCH_TERMS.get(exercise.id, ())
    return list(dict.fromkeys([*own, exercise.name.lower(), *GENERIC_TERMS, *STAND_IN_TERMS[exercise.focus]]))


def words(text: str) -> set[str]:
    """The lower-case words of a name, punctuation dropped."""
    return {w for w in "".join(c if c.isalnum() else " " for c in text.lower()).split() if w}


def matches(term: str, name: str) -> bool:
    """Whether every word of ``term`` is in ``name`` (a trailing plural 's' ignored)."""
    have = {w.rstrip("s") for w in words(name)}
    return all(w.rstrip("s") in have for w in words(term))


def pick(term: str, candidates: Sequence[tuple[int, str]]) -> int | None:
    """The first candidate (id, name) matching ``term``; the shortest name wins among several."""
    hits = [(len(name), i, cid) for i, (cid, name) in enumerate(candidates) if matches(term, name)]
    return min(hits)[2] if hits else None

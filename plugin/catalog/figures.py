"""Which line drawing shows which exercise and variation, and what each drawing shows.

Pure data: the drawings themselves are SVG files under plugin/figures/svg/, made by
plugin/figures/draw.py. A variation gets its own drawing only where the position
changes (issue #18: the three foot positions of the contract-relax stretch, the easier
band stretch); a variation done in the same position shares its exercise's drawing.
The ``title`` and ``desc`` go into the SVG's <title> and <desc> (English) and are the pages' alt
text (in the page's language: they are marked for translation).
"""

from __future__ import annotations

from dataclasses import dataclass

from plugin.errors import NotFound
from plugin.i18n import N_


@dataclass(frozen=True)
class Figure:
    id: str  # the SVG's file stem
    title: str
    desc: str


@dataclass(frozen=True)
class VariationFigure:
    exercise_id: str
    variation: str  # exactly as in Exercise.variations
    slug: str  # the URL segment: /exercises/<id>/variations/<slug>/figure.svg
    figure_id: str


FIGURES: tuple[Figure, ...] = (
    Figure(
        "contract-relax-hamstring",
        N_("Contract-relax hamstring stretch"),
        N_(
            "A person stands facing a chair with one heel on the seat, that leg straight and the toes "
            "pointing up, and leans forward from the hips with a straight back; an arrow shows the heel "
            "pressing down into the seat. The round inset shows the foot on the support from the "
            "front: toes straight up."
        ),
    ),
    Figure(
        "contract-relax-hamstring-foot-in",
        N_("Contract-relax hamstring stretch, foot turned in"),
        N_(
            "The contract-relax position: heel on the chair seat, leg straight, leaning forward with a "
            "straight back. The round inset shows the foot on the support from the front: the toes "
            "turned inward, toward the other leg, from the dashed upright position."
        ),
    ),
    Figure(
        "contract-relax-hamstring-foot-out",
        N_("Contract-relax hamstring stretch, foot turned out"),
        N_(
            "The contract-relax position: heel on the chair seat, leg straight, leaning forward with a "
            "straight back. The round inset shows the foot on the support from the front: the toes "
            "turned outward, away from the other leg, from the dashed upright position."
        ),
    ),
    Figure(
        "lying-hamstring",
        N_("Lying hamstring stretch"),
        N_(
            "A person lies on the back, head on the floor, one knee bent with the foot flat. The other leg "
            "is raised and held with both hands behind the calf; the dashed outline and the arrow show the "
            "knee straightening from bent to straight."
        ),
    ),
    Figure(
        "standing-forward-bend",
        N_("Standing forward bend"),
        N_(
            "A person stands with the legs fairly straight and folds forward from the waist, arms hanging "
            "toward the toes; the dashed outline shows the upright start and the arrow the slow fold down."
        ),
    ),
    Figure(
        "seated-two-chair-hamstring",
        N_("Seated two-chair hamstring stretch"),
        N_(
            "A person sits on one chair with one leg straight on the seat of a second chair facing it, "
            "the other foot on the floor, and reaches toward the toes of the straight leg with a straight "
            "back; the dashed outline shows sitting up and the arrow the reach."
        ),
    ),
    Figure(
        "band-hamstring",
        N_("Lying band hamstring stretch"),
        N_(
            "A person lies on the back with the other leg straight on the floor. A band loops around the "
            "foot of the raised leg, which is straight; the hands hold the band and the arrow shows the "
            "leg drawn toward the chest."
        ),
    ),
    Figure(
        "band-hamstring-easier",
        N_("Lying band hamstring stretch, easier"),
        N_(
            "As the band stretch, but the other knee is bent with that foot flat on the floor; the raised "
            "leg is straight, the band loops around its foot and the arrow shows it drawn toward the chest."
        ),
    ),
    Figure(
        "legs-up-wall-hamstring",
        N_("Legs-up-the-wall hamstring stretch"),
        N_(
            "A person lies on the back with the seat close to a wall, a pillow under the head and both "
            "legs resting up the wall; the dashed outline shows slightly bent knees and the arrow the "
            "backs of the knees pressing toward the wall."
        ),
    ),
    Figure(
        "knees-to-chest",
        N_("Knees-to-chest stretch"),
        N_(
            "A person lies on the back and draws both knees toward the chest with the hands on the shins; "
            "the dashed outline shows the start, knees bent and feet flat, and the arrow the knees coming up."
        ),
    ),
    Figure(
        "standing-trunk-rotation",
        N_("Standing trunk rotation with a pole"),
        N_(
            "A person stands up straight, seen from the front, with a long pole across the shoulders behind "
            "the neck and the arms draped over it; the curved arrow around the waist shows the slow turn to "
            "the left and to the right."
        ),
    ),
    Figure(
        "yoga-block-forward-fold",
        N_("Active forward fold with two yoga blocks"),
        N_(
            "A person stands and folds forward from the hips with a long back, legs straight, each hand "
            "resting on a yoga block on the floor in front of the feet; the arrow shows the fold."
        ),
    ),
)

# The drawing of each exercise as a whole (for a variation-per-set exercise: its first variation).
EXERCISE_FIGURES: dict[str, str] = {
    "contract-relax-hamstring": "contract-relax-hamstring",
    "lying-hamstring": "lying-hamstring",
    "standing-forward-bend": "standing-forward-bend",
    "seated-two-chair-hamstring": "seated-two-chair-hamstring",
    "band-hamstring": "band-hamstring",
    "legs-up-wall-hamstring": "legs-up-wall-hamstring",
    "knees-to-chest": "knees-to-chest",
    "standing-trunk-rotation": "standing-trunk-rotation",
    "yoga-block-forward-fold": "yoga-block-forward-fold",
}

VARIATION_FIGURES: tuple[VariationFigure, ...] = (
    VariationFigure(
        "contract-relax-hamstring", "foot pointing up", "foot-pointing-up", "contract-relax-hamstring"
    ),
    VariationFigure(
        "contract-relax-hamstring", "foot turned in", "foot-turned-in", "contract-relax-hamstring-foot-in"
    ),
    VariationFigure(
        "contract-relax-hamstring", "foot turned out", "foot-turned-out", "contract-relax-hamstring-foot-out"
    ),
    # Band or towel: the same position, so the same drawing.
    VariationFigure("band-hamstring", "band", "band", "band-hamstring"),
    VariationFigure("band-hamstring", "towel held at both ends", "towel", "band-hamstring"),
    VariationFigure(
        "band-hamstring", "easier: other knee bent, foot flat", "easier", "band-hamstring-easier"
    ),
)

_BY_ID = {figure.id: figure for figure in FIGURES}
_BY_SLUG = {(v.exercise_id, v.slug): v for v in VARIATION_FIGURES}


def figure(figure_id: str) -> Figure:
    """The figure with this id; NotFound otherwise."""
    try:
        return _BY_ID[figure_id]
    except KeyError:
        raise NotFound(N_("no figure '{figure}'"), field="id", values={"figure": figure_id}) from None


def exercise_figure(exercise_id: str) -> Figure:
    """The drawing of a catalog exercise; NotFound for an unknown exercise."""
    try:
        return _BY_ID[EXERCISE_FIGURES[exercise_id]]
    except KeyError:
        raise NotFound(N_("no exercise '{exercise}'"), field="id", values={"exercise": exercise_id}) from None


def variation_figure(exercise_id: str, slug: str) -> Figure:
    """The drawing of one variation, by its URL slug; NotFound for an unknown pair."""
    exercise_figure(exercise_id)  # an unknown exercise is named as such
    try:
        return _BY_ID[_BY_SLUG[(exercise_id, slug)].figure_id]
    except KeyError:
        raise NotFound(
            N_("exercise '{exercise}' has no variation '{variation}'"),
            field="variation",
            values={"exercise": exercise_id, "variation": slug},
        ) from None


def variations_of(exercise_id: str) -> tuple[VariationFigure, ...]:
    """The variation drawings of one exercise, in the exercise's order."""
    return tuple(v for v in VARIATION_FIGURES if v.exercise_id == exercise_id)


def own_variation_figures(exercise_id: str) -> tuple[tuple[VariationFigure, Figure], ...]:
    """The variations whose position differs from the exercise's own drawing, with their drawing."""
    base = EXERCISE_FIGURES.get(exercise_id)
    return tuple((v, _BY_ID[v.figure_id]) for v in variations_of(exercise_id) if v.figure_id != base)


def figure_path(exercise_id: str, variation_slug: str | None = None) -> str:
    """The path the drawing is served at (no host): where pages, the API and exports point."""
    if variation_slug is None:
        return f"/exercises/{exercise_id}/figure.svg"
    return f"/exercises/{exercise_id}/variations/{variation_slug}/figure.svg"

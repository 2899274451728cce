"""The exercise drawings over HTTP: GET /exercises/<id>/figure.svg and one per variation.

A drawing changes only with a release, so its bytes carry a strong ETag (a hash of
them) and a long cache lifetime. The URLs the service hands out (pages, the API)
carry ``?v=<fingerprint>``: such a URL names one version of the drawing for good, so
it may be cached as immutable; a URL without it is cached for a week and revalidated.
"""

from __future__ import annotations

from flask import Response, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from plugin import figures
from plugin.catalog import figures as catalog_figures
from plugin.catalog.figures import Figure

blp = Blueprint("figures", __name__, description="Line drawings of the exercises")

# RFC 9111 §5.2.2.1 max-age; RFC 8246 immutable: a versioned URL never changes its answer.
VERSIONED_CACHE = "public, max-age=31536000, immutable"
UNVERSIONED_CACHE = "public, max-age=604800"

_SVG_ANSWER = {
    "content": {figures.MEDIA_TYPE: {"schema": {"type": "string"}}},
    "headers": {
        "ETag": {"schema": {"type": "string"}, "description": "strong; send it back in If-None-Match"},
        "Cache-Control": {"schema": {"type": "string"}},
    },
}


def figure_url(exercise_id: str, variation: str | None = None, external: bool = False) -> str:
    """The versioned URL of an exercise's drawing (or of one variation's, by its slug)."""
    if variation is None:
        figure = catalog_figures.exercise_figure(exercise_id)
        return url_for(
            "figures.ExerciseFigure",
            exercise_id=exercise_id,
            v=figures.fingerprint(figure.id),
            _external=external,
        )
    figure = catalog_figures.variation_figure(exercise_id, variation)
    return url_for(
        "figures.VariationFigure",
        exercise_id=exercise_id,
        variation=variation,
        v=figures.fingerprint(figure.id),
        _external=external,
    )


def _svg_response(figure: Figure) -> Response:
    fingerprint = figures.fingerprint(figure.id)
    response = Response(figures.svg(figure.id), mimetype=figures.MEDIA_TYPE)
    response.set_etag(fingerprint)
    versioned = request.args.get("v") == fingerprint
    response.headers["Cache-Control"] = VERSIONED_CACHE if versioned else UNVERSIONED_CACHE
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.make_conditional(request)  # 304 when If-None-Match holds this ETag
    return response


@blp.route("/exercises/<exercise_id>/figure.svg")
class ExerciseFigure(MethodView):
    @blp.doc(responses={"200": {"description": "the drawing, image/svg+xml", **_SVG_ANSWER}})
    def get(self, exercise_id: str) -> Response:
        """Draw one exercise: a line drawing of the position and the movement (SVG)"""
        return _svg_response(catalog_figures.exercise_figure(exercise_id))


@blp.route("/exercises/<exercise_id>/variations/<variation>/figure.svg")
class VariationFigure(MethodView):
    @blp.doc(responses={"200": {"description": "the drawing, image/svg+xml", **_SVG_ANSWER}})
    def get(self, exercise_id: str, variation: str) -> Response:
        """Draw one variation of an exercise (SVG); a variation in the same position shares its drawing"""
        return _svg_response(catalog_figures.variation_figure(exercise_id, variation))

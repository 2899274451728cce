"""GET /exercises/<id>/figure.svg and per variation: the drawing, cacheable, with an ETag."""

from __future__ import annotations

import pytest

from plugin import catalog, figures
from plugin.catalog import figures as catalog_figures

VARIATIONS = [(v.exercise_id, v.slug, v.figure_id) for v in catalog_figures.VARIATION_FIGURES]


@pytest.mark.parametrize("exercise", catalog.exercises(), ids=lambda ex: ex.id)
def test_every_exercise_answers_its_drawing(client, exercise):
    answer = client.get(f"/exercises/{exercise.id}/figure.svg")
    assert answer.status_code == 200
    assert answer.mimetype == "image/svg+xml"
    figure = catalog_figures.exercise_figure(exercise.id)
    assert answer.data == figures.svg(figure.id)
    assert answer.headers["ETag"] == f'"{figures.fingerprint(figure.id)}"'  # strong: no W/
    assert answer.headers["Cache-Control"] == "public, max-age=604800"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("exercise_id", "slug", "figure_id"), VARIATIONS)
def test_every_variation_answers_its_drawing(client, exercise_id, slug, figure_id):
    answer = client.get(f"/exercises/{exercise_id}/variations/{slug}/figure.svg")
    assert answer.status_code == 200
    assert answer.mimetype == "image/svg+xml"
    assert answer.data == figures.svg(figure_id)


def test_own_variation_drawings_differ_from_the_exercise_drawing(client):
    base = client.get("/exercises/contract-relax-hamstring/figure.svg").data
    turned_in = client.get("/exercises/contract-relax-hamstring/variations/foot-turned-in/figure.svg").data
    turned_out = client.get("/exercises/contract-relax-hamstring/variations/foot-turned-out/figure.svg").data
    assert len({base, turned_in, turned_out}) == 3
    up = client.get("/exercises/contract-relax-hamstring/variations/foot-pointing-up/figure.svg").data
    assert up == base


def test_versioned_url_is_immutable_for_a_year(client):
    fingerprint = figures.fingerprint("knees-to-chest")
    answer = client.get(f"/exercises/knees-to-chest/figure.svg?v={fingerprint}")
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # An old or made-up version gets today's drawing, but not for a year.
    stale = client.get("/exercises/knees-to-chest/figure.svg?v=0123")
    assert stale.status_code == 200 and stale.data == answer.data
    assert stale.headers["Cache-Control"] == "public, max-age=604800"


def test_if_none_match_gets_304_without_a_body(client):
    first = client.get("/exercises/lying-hamstring/figure.svg")
    again = client.get(
        "/exercises/lying-hamstring/figure.svg", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert "max-age" in again.headers["Cache-Control"]
    other = client.get("/exercises/lying-hamstring/figure.svg", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == first.data


def test_head_answers_the_headers(client):
    answer = client.head("/exercises/band-hamstring/variations/easier/figure.svg")
    assert answer.status_code == 200
    assert answer.headers["ETag"] == f'"{figures.fingerprint("band-hamstring-easier")}"'


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/exercises/nope/figure.svg", "id"),
        ("/exercises/nope/variations/easier/figure.svg", "id"),
        ("/exercises/band-hamstring/variations/nope/figure.svg", "variation"),
        ("/exercises/lying-hamstring/variations/easier/figure.svg", "variation"),
    ],
)
def test_unknown_ids_are_404_problems(client, path, field):
    answer = client.get(path)
    assert answer.status_code == 404
    assert answer.mimetype == "application/problem+json"
    body = answer.get_json()
    assert body["status"] == 404 and field in body["errors"]


def test_exercise_answers_give_the_drawing_url(client):
    body = client.get("/exercises/knees-to-chest").get_json()
    fingerprint = figures.fingerprint("knees-to-chest")
    assert body["figure_url"] == f"http://localhost/exercises/knees-to-chest/figure.svg?v={fingerprint}"
    drawing = client.get(body["figure_url"].removeprefix("http://localhost"))
    assert drawing.status_code == 200 and drawing.data == figures.svg("knees-to-chest")
    listed = {ex["id"]: ex["figure_url"] for ex in client.get("/exercises").get_json()}
    assert listed["knees-to-chest"] == body["figure_url"]
    assert set(listed) == {ex.id for ex in catalog.exercises()}


@pytest.mark.parametrize("routine", catalog.builtin_routines(), ids=lambda r: r.id)
def test_the_json_export_points_every_exercise_at_its_drawing(client, routine):
    exported = client.get(f"/routines/{routine.id}/export/json").get_json()
    for entry in exported["exercises"]:
        path = entry["exercise"]["figure_url"]
        assert path == f"/exercises/{entry['exercise']['id']}/figure.svg"  # no host: exports are portable
        drawing = client.get(path)
        assert drawing.status_code == 200 and drawing.mimetype == "image/svg+xml"

"""The exercise drawings: one per exercise and variation, drawn by plugin/figures/draw.py, safe to serve."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from plugin import catalog, figures
from plugin.catalog import figures as catalog_figures
from plugin.errors import NotFound
from plugin.figures import draw

SVG_NS = "{http://www.w3.org/2000/svg}"
MAX_BYTES = 8 * 1024  # issue #18: small, at most 8 KiB each
# What may appear in a drawing: shapes only. No <image> (raster), <script>, <text> (fonts),
# <foreignObject>, <style>, <use> or <a>.
ALLOWED = {"svg", "title", "desc", "polyline", "polygon", "path", "circle", "ellipse", "rect", "line"}
FIGURE_IDS = [f.id for f in catalog_figures.FIGURES]


def test_every_exercise_and_every_variation_has_a_figure():
    for exercise in catalog.exercises():
        assert catalog_figures.exercise_figure(exercise.id).id in FIGURE_IDS
        by_name = {v.variation: v for v in catalog_figures.variations_of(exercise.id)}
        assert list(by_name) == list(exercise.variations), exercise.id
        for variation in by_name.values():
            assert catalog_figures.variation_figure(exercise.id, variation.slug).id == variation.figure_id


def test_variations_where_the_position_changes_have_their_own_drawing():
    own = {ex: {v.variation for v, _ in catalog_figures.own_variation_figures(ex)} for ex in FIGURE_IDS}
    assert own["contract-relax-hamstring"] == {"foot turned in", "foot turned out"}
    assert own["band-hamstring"] == {"easier: other knee bent, foot flat"}
    slugs = [(v.exercise_id, v.slug) for v in catalog_figures.VARIATION_FIGURES]
    assert len(slugs) == len(set(slugs))
    for _, slug in slugs:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)


def test_every_figure_file_is_used_and_every_used_figure_has_a_file():
    used = set(catalog_figures.EXERCISE_FIGURES.values()) | {
        v.figure_id for v in catalog_figures.VARIATION_FIGURES
    }
    on_disk = {path.stem for path in draw.SVG_DIR.glob("*.svg")}
    assert used == set(FIGURE_IDS) == on_disk


@pytest.mark.parametrize("figure_id", FIGURE_IDS)
def test_committed_svg_is_what_the_generator_draws(figure_id):
    # A drawing is changed in draw.py, then `python -m plugin.figures.draw` rewrites the files.
    committed = (draw.SVG_DIR / f"{figure_id}.svg").read_text(encoding="utf-8")
    assert committed == draw.render(catalog_figures.figure(figure_id))


@pytest.mark.parametrize("figure_id", FIGURE_IDS)
def test_svg_is_small_accessible_and_self_contained(figure_id):
    data = figures.svg(figure_id)
    assert len(data) <= MAX_BYTES
    root = ET.fromstring(data)
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("role") == "img"
    title, desc = root[0], root[1]
    assert title.tag == f"{SVG_NS}title" and desc.tag == f"{SVG_NS}desc"
    figure = catalog_figures.figure(figure_id)
    assert title.text == figure.title and desc.text == figure.desc
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == desc.get("id")
    for element in root.iter():
        name = element.tag.removeprefix(SVG_NS)
        assert name in ALLOWED, name
        for attribute, value in element.attrib.items():
            assert "href" not in attribute, attribute
            assert not attribute.startswith("on"), attribute
            assert "url(" not in value and "data:" not in value and "javascript:" not in value
            # One line width for the whole drawing, set once on the root.
            assert attribute != "stroke-width" or element is root
    assert b"<!ENTITY" not in data and b"<!DOCTYPE" not in data


def test_one_stroke_width_and_one_palette():
    palette = {draw.INK, draw.FAR, draw.PROP, draw.GHOST, draw.MOTION, draw.PAPER, "none"}
    for figure_id in FIGURE_IDS:
        root = ET.fromstring(figures.svg(figure_id))
        assert root.get("stroke-width") == str(draw.STROKE)
        colours = {v for e in root.iter() for k, v in e.attrib.items() if k in ("stroke", "fill")}
        assert colours <= palette, (figure_id, colours - palette)


def test_the_body_keeps_its_proportions_in_every_pose():
    # Limbs built by the helpers have exactly the segment lengths of BODY, whatever the pose.
    hip = (100.0, 80.0)
    for thigh, shin in ((90, 90), (-112, -14), (-150, -58), (21.3, 21.3)):
        h, knee, ankle, _ = draw.leg(hip, thigh, shin)
        assert round(draw.math.dist(h, knee), 6) == draw.BODY.thigh
        assert round(draw.math.dist(knee, ankle), 6) == draw.BODY.shin
    shoulder, elbow, hand = draw.arm_to((90.0, 140.0), (116.0, 100.0), -1)
    assert round(draw.math.dist(shoulder, elbow), 6) == draw.BODY.upper_arm
    assert round(draw.math.dist(elbow, hand), 6) == draw.BODY.forearm


def test_fingerprint_follows_the_bytes_and_unknown_ids_are_not_found():
    assert figures.fingerprint("lying-hamstring") != figures.fingerprint("knees-to-chest")
    assert re.fullmatch(r"[0-9a-f]{20}", figures.fingerprint("lying-hamstring"))
    with pytest.raises(NotFound):
        figures.svg("nope")
    with pytest.raises(NotFound):
        catalog_figures.exercise_figure("nope")
    with pytest.raises(NotFound) as err:
        catalog_figures.variation_figure("band-hamstring", "nope")
    assert err.value.field == "variation"


def test_figure_paths():
    assert catalog_figures.figure_path("knees-to-chest") == "/exercises/knees-to-chest/figure.svg"
    assert (
        catalog_figures.figure_path("band-hamstring", "easier")
        == "/exercises/band-hamstring/variations/easier/figure.svg"
    )

"""The exercise drawings in the browser: each renders as its reference PNG, and every page shows them.

The references in tests/pages/figures-reference/ are what each SVG looks like in headless
Chromium at handout size (240 × 160 CSS px). Changing a drawing means updating its
reference on purpose: STRETCHSYNC_UPDATE_FIGURES=1 rewrites them (docs/figures.md).
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import pytest

from plugin import catalog
from plugin.catalog import figures as catalog_figures

pytestmark = pytest.mark.browser

REFERENCE = Path(__file__).resolve().parent / "figures-reference"
HANDOUT_SIZE = {"width": 240, "height": 160}
UPDATE = os.environ.get("STRETCHSYNC_UPDATE_FIGURES") == "1"
# Anti-aliasing may move an edge pixel's shade a little between runs; a changed drawing
# moves hundreds of pixels by far more. A pixel counts as different past CHANNEL_TOLERANCE
# in any channel, and at most PIXEL_TOLERANCE of all pixels may differ.
CHANNEL_TOLERANCE = 48
PIXEL_TOLERANCE = 0.004

# One URL per drawing: an exercise's own, or the first variation that has it.
DRAWINGS = {
    catalog_figures.EXERCISE_FIGURES[ex.id]: catalog_figures.figure_path(ex.id) for ex in catalog.exercises()
}
for _variation in catalog_figures.VARIATION_FIGURES:
    DRAWINGS.setdefault(
        _variation.figure_id, catalog_figures.figure_path(_variation.exercise_id, _variation.slug)
    )


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGBA rows of an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    channels = 4 if colour == 6 else 3
    stride = width * channels
    raw = zlib.decompress(idat)
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        kind, row = line[0], bytearray(line[1:])
        # PNG §9.2 filter types 0–4, undone left to right.
        for i in range(stride):
            left = row[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                row[i] = (row[i] + left) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + up) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                row[i] = (row[i] + predictor) & 0xFF
        previous = row
        if channels == 3:
            rows.append(b"".join(bytes(row[x : x + 3]) + b"\xff" for x in range(0, stride, 3)))
        else:
            rows.append(bytes(row))
    return width, height, rows


def differing_pixels(first: bytes, second: bytes) -> tuple[int, int]:
    """How many pixels differ past CHANNEL_TOLERANCE, out of how many."""
    w1, h1, rows1 = decode_png(first)
    w2, h2, rows2 = decode_png(second)
    assert (w1, h1) == (w2, h2), f"size {w1}×{h1} against {w2}×{h2}"
    differing = 0
    for row1, row2 in zip(rows1, rows2, strict=True):
        for x in range(0, len(row1), 4):
            if (
                max(abs(a - b) for a, b in zip(row1[x : x + 4], row2[x : x + 4], strict=True))
                > CHANNEL_TOLERANCE
            ):
                differing += 1
    return differing, w1 * h1


def test_png_comparison_sees_a_changed_drawing(chromium, live_server):
    # The comparison itself: two different drawings differ far past the tolerance.
    context = chromium.new_context(viewport=HANDOUT_SIZE, device_scale_factor=1)
    page = context.new_page()
    shots = [_render(page, live_server, DRAWINGS[f]) for f in ("lying-hamstring", "knees-to-chest")]
    context.close()
    same, total = differing_pixels(shots[0], shots[0])
    assert same == 0
    differing, _ = differing_pixels(shots[0], shots[1])
    assert differing > PIXEL_TOLERANCE * total * 5


def _render(page, live_server: str, path: str) -> bytes:
    page.set_content(
        '<!doctype html><html><body style="margin:0;background:#fff">'
        f'<img id="figure" src="{live_server}{path}" width="240" height="160" alt=""></body></html>'
    )
    page.wait_for_function("document.getElementById('figure').complete")
    assert page.evaluate("document.getElementById('figure').naturalWidth") == 240
    return page.screenshot(clip={"x": 0, "y": 0, **HANDOUT_SIZE}, animations="disabled")


@pytest.mark.parametrize("figure_id", sorted(DRAWINGS))
def test_figure_renders_as_its_reference(chromium, live_server, artifacts, figure_id):
    context = chromium.new_context(viewport=HANDOUT_SIZE, device_scale_factor=1)
    try:
        rendered = _render(context.new_page(), live_server, DRAWINGS[figure_id])
    finally:
        context.close()
    reference = REFERENCE / f"{figure_id}.png"
    if UPDATE:
        REFERENCE.mkdir(exist_ok=True)
        reference.write_bytes(rendered)
    assert reference.exists(), f"no reference for {figure_id}: run with STRETCHSYNC_UPDATE_FIGURES=1"
    differing, total = differing_pixels(reference.read_bytes(), rendered)
    if differing > PIXEL_TOLERANCE * total:
        (artifacts / f"figure-{figure_id}.png").write_bytes(rendered)
    assert differing <= PIXEL_TOLERANCE * total, (
        f"{figure_id}: {differing} of {total} pixels differ from {reference.name}; "
        f"see test-artifacts/figure-{figure_id}.png, and if the change is meant, "
        "update the reference with STRETCHSYNC_UPDATE_FIGURES=1"
    )


def test_every_drawing_has_a_reference_and_no_reference_is_left_over():
    assert {p.stem for p in REFERENCE.glob("*.png")} == set(DRAWINGS)


def _figures_loaded(page, selector: str) -> list[dict]:
    return page.locator(selector).evaluate_all(
        "els => els.map(e => ({src: e.getAttribute('src'), loaded: e.complete && e.naturalWidth === 240,"
        " width: e.getBoundingClientRect().width, right: e.getBoundingClientRect().right,"
        " visible: e.getBoundingClientRect().height > 0}))"
    )


@pytest.mark.parametrize("routine", catalog.builtin_routines(), ids=lambda r: r.id)
def test_handout_shows_a_drawing_per_exercise_on_screen_and_on_paper(page, live_server, screenshot, routine):
    page.goto(f"{live_server}/routine/{routine.id}")
    width = page.viewport_size["width"]
    for media in ("screen", "print"):
        page.emulate_media(media=media)
        for index, entry in enumerate(routine.entries, start=1):
            main = _figures_loaded(page, f"#ex-{index} figure.exercise-figure:not(.variation-figure) img")
            assert len(main) == 1, (media, entry.exercise.id)
            assert main[0]["src"].startswith(catalog_figures.figure_path(entry.exercise.id) + "?v=")
            own = catalog_figures.own_variation_figures(entry.exercise.id)
            shown = _figures_loaded(page, f"#ex-{index} figure.variation-figure img")
            assert len(shown) == len(own)
            for drawing in main + shown:
                assert drawing["loaded"] and drawing["visible"], (media, drawing)
                assert drawing["right"] <= width, (media, drawing)
            # Beside the steps, never a thumbnail: at least a fifth of the page's width or 150 px.
            assert main[0]["width"] >= min(150, width / 5), (media, main[0])
    page.emulate_media(media="screen")
    screenshot("handout")


def test_catalog_cards_and_subscribe_choices_show_the_drawings(page, live_server):
    page.goto(live_server + "/")
    for routine in catalog.builtin_routines():
        shown = _figures_loaded(page, f'li.card[data-routine="{routine.id}"] img.thumb')
        exercises = list(dict.fromkeys(e.exercise.id for e in routine.entries))
        assert [s["src"].split("?")[0] for s in shown] == [catalog_figures.figure_path(e) for e in exercises]
        assert all(s["loaded"] and s["visible"] for s in shown)
    page.goto(live_server + "/subscribe")
    for routine in catalog.builtin_routines():
        shown = _figures_loaded(page, f'label[for="routine-{routine.id}"] img.thumb')
        assert len(shown) == len({e.exercise.id for e in routine.entries})
        assert all(s["loaded"] and s["visible"] for s in shown)
    # A picture inside the label does not change what the checkbox is called.
    assert page.get_by_label("Trunk rotation (3 min)", exact=True).count() == 1

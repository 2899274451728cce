"""The pages in headless Chromium at phone (360 px) and desktop widths, screen and print."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from pypdf import PdfReader

from plugin import catalog

pytestmark = pytest.mark.browser


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def test_catalog_to_routine_with_cautions_in_view(page, live_server, screenshot):
    page.goto(live_server + "/")
    cards = page.locator("li.card")
    assert cards.count() == len(catalog.builtin_routines())
    _no_sideways_scroll(page)
    screenshot("catalog")

    page.get_by_role("link", name="Contract-relax hamstring").click()
    page.wait_for_url(live_server + "/routine/contract-relax")
    assert page.get_by_role("heading", level=1).inner_text() == "Contract-relax hamstring"
    cautions = page.locator("section.cautions")
    assert cautions.is_visible()
    # Contraindications lead, and each one is on screen, not hidden behind a toggle.
    kinds = page.locator("section.cautions li.caution").evaluate_all("els => els.map(e => e.classList[1])")
    assert kinds[:2] == ["contraindication", "contraindication"]
    for item in page.locator("li.caution.contraindication").all():
        assert item.is_visible()
    assert page.locator("li.exercise").count() == 1
    # With scripts on, the print button shows itself.
    assert page.get_by_role("button", name="Print this handout").is_visible()
    _no_sideways_scroll(page)
    screenshot("routine")


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
@pytest.mark.parametrize("routine", catalog.builtin_routines(), ids=lambda r: r.id)
def test_printed_handout_is_clean_and_short(page, live_server, screenshot, routine):
    page.goto(f"{live_server}/routine/{routine.id}")
    assert page.locator("header nav").is_visible()
    assert page.locator("section.exports").is_visible()

    page.emulate_media(media="print")
    for chrome in ("header nav", "footer", "section.exports"):
        assert not page.locator(chrome).is_visible(), chrome
    for link in page.locator("a[data-format]").all():
        assert not link.is_visible()
    assert page.locator("section.cautions").is_visible()
    for caution in page.locator("li.caution").all():
        assert caution.is_visible()
    assert page.locator("li.exercise").count() == len(routine.entries)
    screenshot("print")

    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=False)))
    assert 1 <= len(pdf.pages) <= 2, f"{len(pdf.pages)} pages"
    # NFKC undoes the typesetter's ligatures (ﬁ → fi); line breaks become spaces.
    extracted = " ".join(p.extract_text() for p in pdf.pages)
    printed = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", extracted))
    for caution in routine.cautions:
        assert caution.text in printed, caution.id
    for entry in routine.entries:
        assert entry.exercise.name in printed
    assert "Take it with you" not in printed
    assert "stretchsync" not in printed  # no site header or footer on paper

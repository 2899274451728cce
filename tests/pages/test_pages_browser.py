"""The pages in headless Chromium at phone (360 px) and desktop widths, screen and print."""

from __future__ import annotations

import io
import re
import unicodedata

import icalendar
import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from plugin import catalog, i18n
from plugin.catalog.localize import localize

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
    assert page.locator("header nav").first.is_visible()
    assert page.locator("section.exports").is_visible()

    page.emulate_media(media="print")
    for chrome in ("header nav >> nth=0", "header nav >> nth=1", "footer", "section.exports"):
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


def test_subscribe_with_an_inline_error_then_a_working_feed(page, live_server, screenshot, browser_timezone):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.goto(live_server + "/routine/trunk-rotation")
    page.get_by_role("link", name="Put this routine in my calendar").click()
    page.wait_for_url("**/subscribe?routine=trunk-rotation")
    # The routine comes ticked, and the browser's own zone is preselected by the page's script.
    assert page.get_by_label("Trunk rotation").is_checked()
    assert not page.get_by_label("Daily hamstring stretch").is_checked()
    assert page.get_by_label("Time zone").input_value() == browser_timezone

    page.get_by_label("Sat").uncheck()
    page.get_by_label("Sun").uncheck()
    page.get_by_label("Times of day").fill("07:30, 19:75")
    page.get_by_role("button", name="Create my calendar").click()

    # The error sits next to the field it is about, and what was typed is kept.
    error = page.locator("#times-error")
    assert error.is_visible()
    assert "'19:75'" in error.inner_text()
    assert page.get_by_label("Times of day").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Times of day").input_value() == "07:30, 19:75"
    assert page.get_by_label("Trunk rotation").is_checked()
    assert not page.get_by_label("Sat").is_checked()
    assert page.get_by_label("Time zone").input_value() == browser_timezone
    _no_sideways_scroll(page)
    screenshot("subscribe-error")

    page.get_by_label("Times of day").fill("07:30, 19:15")
    page.get_by_role("button", name="Create my calendar").click()
    page.wait_for_selector("#feed-url")
    feed_url = page.get_by_label("Calendar link (https)").input_value()
    assert feed_url.startswith(live_server + "/calendars/") and feed_url.endswith(".ics")
    assert page.locator("#webcal-link").get_attribute("href") == "webcal://" + feed_url.split("://", 1)[1]
    page.get_by_role("button", name="Copy").click()
    expect(page.locator(".copied")).to_have_text("Copied")  # the clipboard answers asynchronously
    assert page.evaluate("navigator.clipboard.readText()") == feed_url
    _no_sideways_scroll(page)
    screenshot("subscribed")

    answer = page.request.get(feed_url)
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    events = list(icalendar.Calendar.from_ical(answer.body()).walk("VEVENT"))
    assert len(events) == 2
    for event in events:
        assert event["RRULE"]["BYDAY"] == ["MO", "TU", "WE", "TH", "FR"]
        assert str(event["DTSTART"].dt.tzinfo) == browser_timezone
        assert "Trunk rotation" in str(event["SUMMARY"])


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
def test_switching_to_german_and_printing_the_handout(page, live_server, screenshot):
    page.goto(f"{live_server}/routine/contract-relax")
    page.locator('a[data-lang="de"]').click()
    page.wait_for_url(f"{live_server}/routine/contract-relax?lang=de")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("heading", name="Bitte zuerst lesen").is_visible()
    # The choice is remembered: the catalog opened without ?lang= is German too.
    page.goto(live_server + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Dehnprogramme"
    page.goto(f"{live_server}/routine/contract-relax")
    german = i18n.language("de")
    routine = localize(catalog.builtin_routine("contract-relax"), german)
    assert page.get_by_role("heading", level=1).inner_text() == routine.name
    _no_sideways_scroll(page)
    screenshot("routine-de")

    page.emulate_media(media="print")
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=False)))
    assert 1 <= len(pdf.pages) <= 2, f"{len(pdf.pages)} pages"
    extracted = " ".join(p.extract_text() for p in pdf.pages)
    printed = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", extracted))
    for caution in routine.cautions:
        assert caution.text in printed, caution.id
    for english in catalog.builtin_routine("contract-relax").cautions:
        assert english.text not in printed
    assert "Kontraindikation" in printed and "Deutsch" not in printed  # no switcher on paper

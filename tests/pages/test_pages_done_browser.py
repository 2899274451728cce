"""Mark a session done from the calendar, in headless Chromium at 360 px and desktop widths.

Subscribe on the page, take the "Mark as done" link from the served feed's event, record
it with scripts off, and see it in the refetched feed and on the adherence page.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import select

from plugin.config import secret_key
from plugin.services import done_links, feeds
from plugin.store.sessions import SessionRow

pytestmark = pytest.mark.browser


@pytest.fixture
def served(app, db, live_server) -> str:
    """The live server, with its own root as PLUGIN_BASE_URL (the feed's links point at it)."""
    app.config["BASE_URL"] = live_server
    feeds.configure_feeds(
        db, feeds.FeedSettings(site_url=live_server, link_keys=lambda: done_links.keys_from(secret_key(app)))
    )
    return live_server


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def _feed(page, url: str) -> icalendar.Calendar:
    answer = page.request.get(url)
    assert answer.status == 200
    return icalendar.Calendar.from_ical(answer.body())


def _sessions(db) -> list[tuple[str, int | None]]:
    with db.unit_of_work() as session:
        return [(row.id, row.pain) for row in session.scalars(select(SessionRow))]


def test_mark_as_done_from_the_feeds_event(
    page, chromium, served, db, valid_html, artifacts, browser_timezone
):
    page.goto(served + "/subscribe?routine=daily-hamstring")
    page.get_by_label("Times of day").fill("00:00")  # today's occurrence has begun, whatever the hour
    page.get_by_role("button", name="Create my calendar").click()
    page.wait_for_selector("#feed-url")
    feed_url = page.get_by_label("Calendar link (https)").input_value()
    adherence_url = page.locator("#adherence-link").get_attribute("href")
    token = urlsplit(feed_url).path.removeprefix("/calendars/").removesuffix(".ics")
    assert adherence_url == f"{served}/adherence/{token}"
    manage_token = page.locator("#manage-link").inner_text().rsplit("/", 1)[1]  # revokes (issue 19)

    # One series per stretch of weeks with the same dose (docs/icalendar.md#progression), all
    # carrying the same link: it is per calendar and routine.
    series = _feed(page, feed_url).walk("VEVENT")
    (link,) = {str(event["URL"]) for event in series}
    assert link.startswith(served + "/done/")
    assert all(link in str(event["DESCRIPTION"]) for event in series)
    assert token not in link

    # Scripts off: the page and its form work without them.
    size = page.viewport_size
    plain = chromium.new_context(
        viewport=size, java_script_enabled=False, timezone_id=browser_timezone, is_mobile=size["width"] < 400
    )
    try:
        done = plain.new_page()
        answer = done.goto(link)
        assert answer.status == 200
        valid_html(done.request.get(link).text())
        assert done.locator("script").count() == 0
        cautions = done.locator("section.cautions")
        assert cautions.is_visible()
        assert cautions.bounding_box()["y"] < done.locator("form").bounding_box()["y"]  # cautions first
        today = datetime.now(ZoneInfo(browser_timezone)).date()
        chosen = done.locator("input[name=occurrence]:checked")
        assert chosen.get_attribute("value") == f"{today}T00:00"
        _no_sideways_scroll(done)
        done.get_by_label("Pain during the stretches, 0–10").fill("2")
        done.get_by_role("button", name="Record as done").click()
        done.wait_for_selector("#saved")
        assert "pain 2/10" in done.locator("#saved").inner_text()
        valid_html(done.content())
        _no_sideways_scroll(done)
        done.screenshot(path=str(artifacts / f"done-{page.viewport_name}-saved.png"), full_page=True)
        first = _sessions(db)
        assert [pain for _, pain in first] == [2]

        # The refetched feed shows it done on today's occurrence.
        overrides = [e for e in _feed(page, feed_url).walk("VEVENT") if "RECURRENCE-ID" in e]
        assert [(str(e["SUMMARY"])[0], e["RECURRENCE-ID"].dt.date()) for e in overrides] == [("✓", today)]
        assert "Pain 2/10" in str(overrides[0]["DESCRIPTION"])

        # The adherence page counts it.
        page.goto(adherence_url)
        assert re.fullmatch(r"1 / \d+", page.locator("#sessions").inner_text())
        assert page.locator("#not-linked").count() == 0

        # A second click changes the same session.
        done.goto(link)
        assert done.get_by_label("Pain during the stretches, 0–10").input_value() == "2"
        done.get_by_label("Pain during the stretches, 0–10").fill("4")
        done.get_by_label("Notes").fill("easier today")
        done.get_by_role("button", name="Record as done").click()
        done.wait_for_selector("#saved")
        assert _sessions(db) == [(first[0][0], 4)]

        # A forged link and this link turned to another calendar answer 404.
        _, _, calendar_id, routine_id, signature = urlsplit(link).path.split("/")
        other = page.request.post(
            served + "/calendars",
            data={"routines": ["daily-hamstring"], "times": ["00:00"], "timezone": browser_timezone},
        )
        assert other.status == 201
        other_id = other.json()["id"]
        assert done.goto(f"{served}/done/{other_id}/{routine_id}/{signature}").status == 404
        forged = ("A" if signature[0] != "A" else "B") + signature[1:]
        assert done.goto(f"{served}/done/{calendar_id}/{routine_id}/{forged}").status == 404

        # Once the calendar is revoked its link answers 410.
        assert page.request.delete(f"{served}/calendars/{manage_token}").status == 204
        gone = done.goto(link)
        assert gone.status == 410
        valid_html(done.content())
    finally:
        plain.close()


def test_a_pain_hold_shows_on_the_done_and_management_pages(page, served, valid_html, browser_timezone):
    created = page.request.post(
        served + "/calendars",
        data={"routines": ["daily-hamstring"], "times": ["00:00"], "timezone": browser_timezone},
    )
    assert created.status == 201
    answer = created.json()
    links = {str(e["URL"]) for e in _feed(page, answer["url"]).walk("VEVENT")}  # one per weekly step
    (link,) = links
    page.goto(link)
    assert page.locator("#plan-doses li").first.is_visible()
    page.get_by_label("Pain during the stretches, 0–10").fill("7")
    page.get_by_role("button", name="Record as done").click()
    page.wait_for_selector("#saved")
    hold = page.locator("#plan-hold")
    assert hold.is_visible() and hold.inner_text().startswith("⚠ You reported pain 7/10")
    warning = hold.inner_text()
    valid_html(page.content())
    _no_sideways_scroll(page)

    page.goto(answer["manage_url"])
    assert page.locator("#plan-hold").is_visible()
    assert page.locator("#plan-hold").inner_text() == warning
    assert page.locator("#plan-holds li").count() == 1
    assert page.locator("#plan-doses li").first.is_visible()
    valid_html(page.content())
    _no_sideways_scroll(page)

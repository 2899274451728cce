"""Connect wger from /connect in headless Chromium, against the real wger 2.1 peer:
a wrong token is refused beside the field, the right one installs and pushes, the plan
is edited on the management page, a session logged in wger is synced, and disconnecting
erases the installation and its calendar."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hostkit import host_config
from peer_wger import WgerApi
from playwright.sync_api import expect
from sqlalchemy import func, select

from plugin.jobs import jobs
from plugin.store.calendars import CalendarRow
from plugin.store.installations import InstallationRow

pytestmark = [pytest.mark.browser, pytest.mark.peer]

ZONE = "Europe/Berlin"
PUSHED_WITHIN_MS = 90_000  # a busy machine and a real wger: generous, never a timing assertion


@pytest.fixture
def app_config(database_config, tmp_path):
    # The wger peer is on loopback, which only an operator's switch lets a typed address reach.
    return host_config(
        database_config,
        tmp_path,
        PUSH_BACKOFF_BASE_S=0.5,
        PUSH_MAX_ATTEMPTS=3,
        ALLOW_PRIVATE_HOSTS=True,
    )


@pytest.fixture
def worker(app):
    """The background worker, in threads of the test process: it delivers the pushes."""
    consumer = jobs(app).start_beside_server(workers=1)
    yield consumer
    consumer.stop(graceful=True)


@pytest.fixture
def wger_user(wger_server) -> tuple[str, WgerApi]:
    token = wger_server.add_user("c" + uuid.uuid4().hex[:10])
    return token, WgerApi(wger_server.url, token)


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def _delivered(page) -> None:
    # The progress page reloads itself (meta refresh) until the push is finished.
    expect(page.locator("#push-status")).to_have_text("delivered", timeout=PUSHED_WITHIN_MS)


def _count(db, table) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(table))


def test_connect_wger_edit_the_plan_sync_and_disconnect(
    page, live_server, screenshot, db, worker, wger_server, wger_user
):
    token, api = wger_user
    page.goto(live_server + "/connect")
    _no_sideways_scroll(page)
    page.get_by_role("link", name="wger", exact=True).click()

    page.get_by_label("Server address").fill(wger_server.url)
    page.get_by_label("API token").fill("0" * 40)
    page.get_by_role("button", name="Check and continue").click()
    error = page.locator("#token-error")
    expect(error).to_be_visible()
    # wger's own answer, beside the field it is about.
    assert "wger refused it" in error.inner_text() and "Invalid token" in error.inner_text()
    assert page.get_by_label("API token").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Server address").input_value() == wger_server.url
    _no_sideways_scroll(page)
    screenshot("connect-refused")

    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Check and continue").click()
    page.get_by_label("Daily hamstring stretch").check()
    page.get_by_label("Times of day").fill("07:30")
    page.get_by_label("Time zone").select_option(ZONE)
    _no_sideways_scroll(page)
    page.get_by_role("button", name="Connect wger").click()

    _delivered(page)
    manage_url = page.locator("#manage-link").inner_text()
    assert re.fullmatch(re.escape(live_server) + r"/manage/[A-Za-z0-9_-]{43}", manage_url)
    _no_sideways_scroll(page)
    screenshot("connect-delivered")
    (workout,) = api.workouts_for("daily-hamstring")  # the workout is in wger, once
    assert workout["name"] == "Daily hamstring stretch"

    page.get_by_role("link", name="Go to my page").click()
    page.wait_for_url(manage_url)
    assert page.locator("#tracker").inner_text().startswith("wger at ")
    assert page.locator("#pushes tr.push-delivered").count() == 1
    _no_sideways_scroll(page)
    screenshot("manage")

    # Edit the plan: the same rules as /subscribe, the error beside the field, then a push.
    page.get_by_label("Times of day").fill("07:30, 19:75")
    page.get_by_role("button", name="Save the plan").click()
    assert "'19:75'" in page.locator("#times-error").inner_text()
    page.get_by_label("Times of day").fill("07:30")
    page.get_by_label("Trunk rotation").check()
    page.get_by_role("button", name="Save the plan").click()
    _delivered(page)
    assert len(api.workouts_for("trunk-rotation")) == 1
    assert len(api.workouts_for("daily-hamstring")) == 1  # updated, not made twice

    # A session logged in wger comes back with "Sync now".
    yesterday = datetime.now(ZoneInfo(ZONE)).date() - timedelta(days=1)
    api.log_workout(workout["id"], yesterday, time_start="07:30", time_end="07:35")
    page.goto(manage_url)
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#notice")).to_contain_text("Synced: 1 new")
    assert page.locator("#sessions tbody tr").count() == 1
    assert page.locator("#last-sync").inner_text() != "not yet"
    feed_url = page.get_by_label("Calendar link (https)").input_value()
    assert page.request.get(feed_url).status == 200

    page.get_by_role("button", name="Disconnect and erase").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Disconnected")
    assert _count(db, InstallationRow) == 0
    with db.unit_of_work() as session:
        assert session.scalars(select(CalendarRow.spec)).all() == [None]  # revoked, plan erased
    assert page.request.get(feed_url).status == 410
    assert page.request.get(manage_url).status == 404

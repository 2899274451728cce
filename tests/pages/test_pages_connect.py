"""Connect a tracker from a page and manage it, through the test client: Hevy (its stand-in),
a calendar subscribed on its own, and the CSRF rule every POST keeps."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from fake_hevy import FakeHevy
from hostkit import host_config
from sqlalchemy import func, select

from plugin.jobs import run_push_to_end
from plugin.store.calendars import CalendarRow
from plugin.store.installations import InstallationRow
from plugin.store.pushes import PushRow
from plugin.store.sessions import SessionRow

from htmlcheck import assert_valid_html

API_KEY = "0b7f3d1e-6a55-4c2b-9a0e-3f5d2c1b0a99"
PLAN_FORM = {
    "routines": ["daily-hamstring"],
    "days": ["MO", "WE", "FR"],
    "times": "07:30",
    "timezone": "Europe/Berlin",
    "reminders": ["10"],
    "name": "Stretching",
}


@pytest.fixture
def fake(httpserver) -> FakeHevy:
    return FakeHevy(httpserver, API_KEY)


@pytest.fixture
def app_config(database_config, tmp_path, httpserver) -> dict:
    return host_config(
        database_config, tmp_path, HEVY_API_URL=httpserver.url_for("").rstrip("/"), PUSH_BACKOFF_BASE_S=0.01
    )


def csrf_of(markup: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', markup).group(1)


def page(client, path: str, status: int = 200) -> str:
    answer = client.get(path)
    assert answer.status_code == status, answer.get_data(as_text=True)[:400]
    markup = answer.get_data(as_text=True)
    assert_valid_html(markup)
    return markup


def post(client, path: str, form: dict, csrf_from: str):
    return client.post(path, data={**form, "csrf_token": csrf_of(csrf_from)})


def count(db, table) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(table))


def assert_private(answer) -> None:
    assert answer.headers["Cache-Control"] == "private, no-store"
    assert answer.headers["Referrer-Policy"] == "no-referrer"


def connect_hevy(client, app) -> tuple[str, str]:
    """Connect Hevy through the pages; the management token and the first push's id (delivered)."""
    form = page(client, "/connect/hevy")
    checked = post(client, "/connect/hevy", {"api_key": API_KEY}, form)
    assert checked.status_code == 200, checked.get_data(as_text=True)[:400]
    plan_page = checked.get_data(as_text=True)
    sealed = re.search(r'name="connection" value="([^"]+)"', plan_page).group(1)
    done = post(client, "/connect/hevy/plan", {**PLAN_FORM, "connection": sealed}, plan_page)
    assert done.status_code == 303, done.get_data(as_text=True)[:400]
    match = re.search(r"/manage/([^/]+)/pushes/([^?]+)\?new=1$", done.headers["Location"])
    token, push_id = match.group(1), match.group(2)
    assert run_push_to_end(app, push_id) == "delivered"
    return token, push_id


def test_connect_lists_the_trackers_a_person_can_connect(client):
    markup = page(client, "/connect")
    for tracker in ("wger", "hevy", "strava", "caldav"):
        assert f'id="tracker-{tracker}"' in markup
    assert 'href="/connect/strava/plan"' in markup


def test_a_wrong_hevy_key_is_an_error_beside_the_field_with_hevys_answer(client, db, fake):
    form = page(client, "/connect/hevy")
    refused = post(client, "/connect/hevy", {"api_key": "not-the-key"}, form)
    assert refused.status_code == 422
    markup = refused.get_data(as_text=True)
    assert_valid_html(markup)
    error = re.search(r'<p class="field-error" id="api_key-error">([^<]*)</p>', markup).group(1)
    assert "Hevy refused it" in error and "InvalidApiKey" in error
    assert 'aria-invalid="true"' in markup
    assert "not-the-key" not in markup  # a refused secret is not echoed back
    assert count(db, InstallationRow) == 0


def test_hevy_connects_pushes_and_is_managed_then_disconnected(app, client, db, fake):
    token, push_id = connect_hevy(client, app)

    progress = client.get(f"/manage/{token}/pushes/{push_id}?new=1")
    assert_private(progress)
    markup = progress.get_data(as_text=True)
    assert_valid_html(markup)
    assert 'id="push-status" class="push-delivered"' in markup
    assert 'http-equiv="refresh"' not in markup  # finished: the page stops reloading
    assert f"/manage/{token}" in markup  # the management link, shown this once
    assert [r["title"] for r in fake.routines.values()] == ["Daily hamstring stretch"]
    with db.unit_of_work() as session:
        row = session.scalars(select(InstallationRow)).one()
        assert row.tracker == "hevy" and row.manage_token_hash is not None
        assert token not in repr({c.name: getattr(row, c.name) for c in InstallationRow.__table__.columns})

    # A workout done in Hevy comes back with "sync now".
    routine_id = next(iter(fake.routines))
    start = datetime.now(UTC) - timedelta(hours=2)
    fake.log_workout(routine_id, start, start + timedelta(minutes=5), [], start + timedelta(minutes=6))
    manage = client.get(f"/manage/{token}")
    assert_private(manage)
    # Where the plan stands, as on the adherence page: the plan starts today, in week 1.
    state = re.search(
        r'<section class="plan-state" id="plan-state".*?</section>', manage.get_data(as_text=True), re.S
    )
    assert "Today is week 1 of 4 of the plan" in state.group(0)
    assert "Daily hamstring stretch, Lying hamstring stretch: hold 15 s" in state.group(0)
    assert 'id="plan-hold"' not in state.group(0)
    synced = post(client, f"/manage/{token}/sync", {}, manage.get_data(as_text=True))
    assert synced.status_code == 200, synced.get_data(as_text=True)[:400]
    markup = synced.get_data(as_text=True)
    assert_valid_html(markup)
    assert "Synced: 1 new" in markup
    assert count(db, SessionRow) == 1
    assert '<table id="sessions">' in markup and 'id="last-sync">not yet' not in markup

    # Push again: a second push, same routine, updated in place at Hevy.
    again = post(client, f"/manage/{token}/push", {}, markup)
    assert again.status_code == 303
    second = again.headers["Location"].rsplit("/", 1)[1]
    assert second != push_id and run_push_to_end(app, second) == "delivered"
    assert len(fake.routines) == 1 and count(db, PushRow) == 2

    feed = page(client, f"/manage/{token}")
    feed_url = re.search(r'id="feed-url" value="([^"]+)"', feed).group(1)
    assert client.get(feed_url.removeprefix("http://localhost")).status_code == 200

    gone = post(client, f"/manage/{token}/disconnect", {}, feed)
    assert gone.status_code == 200
    assert_private(gone)
    assert (count(db, InstallationRow), count(db, SessionRow), count(db, PushRow)) == (0, 0, 0)
    assert client.get(feed_url.removeprefix("http://localhost")).status_code == 410
    assert client.get(f"/manage/{token}").status_code == 404


def test_a_plan_edit_is_checked_by_the_plan_rules_and_pushes_again(app, client, db, fake):
    token, _ = connect_hevy(client, app)
    manage = page(client, f"/manage/{token}")
    refused = post(client, f"/manage/{token}/plan", {**PLAN_FORM, "times": "07:30, 25:00"}, manage)
    assert refused.status_code == 422
    markup = refused.get_data(as_text=True)
    assert_valid_html(markup)
    assert "'25:00'" in html.unescape(re.search(r'id="times-error">([^<]*)<', markup).group(1))
    changed = post(
        client,
        f"/manage/{token}/plan",
        {**PLAN_FORM, "routines": ["daily-hamstring", "trunk-rotation"]},
        manage,
    )
    assert changed.status_code == 303
    push_id = changed.headers["Location"].rsplit("/", 1)[1]
    waiting = client.get(f"/manage/{token}/pushes/{push_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in waiting  # under way: the page reloads itself
    assert run_push_to_end(app, push_id) == "delivered"
    assert sorted(r["title"] for r in fake.routines.values()) == [
        "Daily hamstring stretch",
        "Trunk rotation",
    ]
    markup = page(client, f"/manage/{token}")
    assert 'value="trunk-rotation" checked' in markup


def test_a_post_without_this_browsers_csrf_token_changes_nothing(app, client, db, fake):
    token, _ = connect_hevy(client, app)
    manage = page(client, f"/manage/{token}")
    assert client.post(f"/manage/{token}/disconnect").status_code == 403
    forged = client.post(f"/manage/{token}/disconnect", data={"csrf_token": "0" * 64})
    assert forged.status_code == 403
    # A token made for another page's forms does not fit this one.
    other = page(client, "/connect/hevy")
    assert post(client, f"/manage/{token}/disconnect", {}, other).status_code == 403
    # Another browser (no cookie) cannot use a token it copied.
    copied = csrf_of(manage)
    client.delete_cookie("stretchsync_form", path="/manage")
    assert client.post(f"/manage/{token}/disconnect", data={"csrf_token": copied}).status_code == 403
    cross = client.post(
        f"/manage/{token}/disconnect", data={"csrf_token": copied}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert cross.status_code == 403
    assert count(db, InstallationRow) == 1


def test_a_forged_connection_is_refused_and_stores_nothing(client, db, fake):
    form = page(client, "/connect/hevy")
    answer = post(client, "/connect/hevy/plan", {**PLAN_FORM, "connection": "forged"}, form)
    assert answer.status_code == 403
    assert count(db, InstallationRow) == 0


def test_an_unknown_manage_token_is_404_and_private(client):
    answer = client.get("/manage/not-a-token")
    assert answer.status_code == 404
    assert_private(answer)


def test_a_subscribed_calendar_is_managed_on_the_same_page(client, db):
    subscribe = page(client, "/subscribe")
    created = client.post("/subscribe", data=PLAN_FORM)
    assert created.status_code == 201 and subscribe
    markup = created.get_data(as_text=True)
    manage_url = re.search(r'id="manage-link">([^<]+)<', markup).group(1)
    feed_url = re.search(r'id="feed-url" value="([^"]+)"', markup).group(1)
    token = manage_url.rsplit("/", 1)[1]
    feed_path = feed_url.removeprefix("http://localhost")

    manage = page(client, f"/manage/{token}")
    assert re.search(r'id="feed-url" value="([^"]+)"', manage).group(1) == feed_url
    before = client.get(feed_path).headers["ETag"]
    changed = post(client, f"/manage/{token}/plan", {**PLAN_FORM, "times": "06:45"}, manage)
    assert changed.status_code == 200, changed.get_data(as_text=True)[:300]
    assert "The plan is changed." in changed.get_data(as_text=True)
    feed = client.get(feed_path)
    assert feed.headers["ETag"] != before and b"T064500" in feed.data

    revoked = post(client, f"/manage/{token}/disconnect", {}, manage)
    assert revoked.status_code == 200
    assert client.get(feed_path).status_code == 410
    assert client.get(f"/manage/{token}").status_code == 410
    with db.unit_of_work() as session:
        assert session.scalars(select(CalendarRow)).one().spec is None


def test_the_plan_form_sent_twice_connects_once(app, client, db, fake):
    form = page(client, "/connect/hevy")
    plan_page = post(client, "/connect/hevy", {"api_key": API_KEY}, form).get_data(as_text=True)
    assert_valid_html(plan_page)
    sealed = re.search(r'name="connection" value="([^"]+)"', plan_page).group(1)
    first = post(client, "/connect/hevy/plan", {**PLAN_FORM, "connection": sealed}, plan_page)
    again = post(client, "/connect/hevy/plan", {**PLAN_FORM, "connection": sealed}, plan_page)
    assert first.status_code == again.status_code == 303
    token = re.search(r"/manage/([^/]+)/pushes/", first.headers["Location"]).group(1)
    assert again.headers["Location"].endswith(f"/manage/{token}?new=1")  # the same page, nothing new
    assert (count(db, InstallationRow), count(db, PushRow), count(db, CalendarRow)) == (1, 1, 1)


@pytest.mark.parametrize(
    "path", ["/connect", "/connect/wger", "/connect/hevy", "/connect/caldav", "/connect/strava/plan"]
)
def test_every_connect_page_is_clean_html_and_private(client, path):
    page(client, path)
    assert_private(client.get(path))

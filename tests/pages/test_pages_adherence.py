"""The adherence page, reached with a calendar token, after sessions came in through the import hook."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from hostkit import Host, host_config, session_body

from plugin.config import keyring
from plugin.services import calendars as calendar_service
from plugin.services import installations as installation_service

SVG = "{http://www.w3.org/2000/svg}"
PLAN = {
    "routines": ["daily-hamstring"],
    "days": ["MO", "TU", "WE", "TH", "FR", "SA", "SU"],
    "times": ["07:00"],
    "timezone": "UTC",
}
# A linked plan must predate its sessions: occurrences before a plan's start are not planned.
LINKED_PLAN = {**PLAN, "start": (datetime.now(UTC) - timedelta(days=40)).date().isoformat()}
# Days ago each imported session started (07:05 UTC); two on day 3, high pain on day 8.
SESSIONS = {"a": 1, "b": 2, "c": 3, "c2": 3, "d": 8, "e": 20}
PAIN = {"d": 8}


@pytest.fixture
def app_config(database_config, tmp_path):
    return host_config(database_config, tmp_path)


@pytest.fixture
def linked_token(client, db) -> str:
    """A calendar made for an installation that has imported SESSIONS through the signed hook."""
    host = Host(client)
    assert host.install(plan=LINKED_PLAN).status_code == 201
    today = datetime.now(UTC).replace(hour=7, minute=5, second=0, microsecond=0)
    for source_id, days_ago in SESSIONS.items():
        started = (today - timedelta(days=days_ago)).isoformat()
        body = session_body(source_id, started_at=started, pain=PAIN.get(source_id, 1))
        assert host.import_session(body).status_code == 201
    with db.unit_of_work() as session:
        installation = installation_service.find(session, host.client_key)
        created = calendar_service.create_calendar(session, LINKED_PLAN, installation_id=installation.id)
    return created.token


def _chart(markup: str) -> ET.Element:
    return ET.fromstring(re.search(r"<svg.*?</svg>", markup, re.S).group(0))


def _days(chart: ET.Element) -> list[ET.Element]:
    return [g for g in chart.iter(f"{SVG}g") if "day" in g.get("class", "").split()]


def _with(days: list[ET.Element], status: str) -> list[str]:
    return [g.get("data-date") for g in days if status in g.get("class", "").split()]


def _ago(days_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).date().isoformat()


def test_the_chart_shows_what_was_imported(client, linked_token, valid_html):
    response = client.get(f"/adherence/{linked_token}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    markup = response.get_data(as_text=True)
    valid_html(markup)
    days = _days(_chart(markup))
    assert len(days) == 30
    done_dates = {_ago(n) for n in SESSIONS.values()}
    assert sorted(_with(days, "done")) == sorted(done_dates)
    assert sum(int(g.get("data-done")) for g in days) == len(SESSIONS)
    assert int(next(g for g in days if g.get("data-date") == _ago(3)).get("data-done")) == 2
    assert _with(days, "pain") == [_ago(8)]
    assert _with(days, "pending") == [_ago(0)]  # today, still under way
    assert len(_with(days, "missed")) == 30 - len(done_dates) - 1
    assert re.search(r'id="streak">3 days<', markup)  # days 1-3; today does not break it
    assert re.search(rf'id="missed-days">{30 - len(done_dates) - 1}<', markup)
    assert re.search(rf'id="done-days">{len(done_dates)}<', markup)
    assert "pain 8/10" in markup and "physiotherapist" in markup
    assert 'id="not-linked"' not in markup


def test_a_calendar_of_its_own_shows_its_plan_and_says_why_nothing_is_done(db, html_page):
    with db.unit_of_work() as session:
        token = calendar_service.create_calendar(session, {**PLAN, "days": ["MO", "WE", "FR"]}).token
    markup = html_page(f"/adherence/{token}")
    days = _days(_chart(markup))
    assert _with(days, "done") == []
    # The calendar starts today, so today is the only day that can be planned.
    today = datetime.now(UTC).date()
    expected = [today.isoformat()] if today.strftime("%a").upper()[:2] in ("MO", "WE", "FR") else []
    assert [g.get("data-date") for g in days if g.get("data-planned") != "0"] == expected
    assert 'id="not-linked"' in markup


def test_unknown_and_revoked_tokens_get_pages_not_json(app, db, html_page):
    assert "no such calendar" in html_page("/adherence/not-a-token", 404)
    with db.unit_of_work() as session:
        created = calendar_service.create_calendar(session, PLAN)
        token = created.token
        calendar_service.revoke_calendar(session, created.manage_token, keyring(app))
    assert "this calendar was revoked" in html_page(f"/adherence/{token}", 410)


@pytest.mark.browser
def test_the_chart_reads_without_scripts(chromium, viewport, live_server, linked_token, artifacts):
    name, size = viewport
    context = chromium.new_context(viewport=size, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/adherence/{linked_token}")
        chart = page.locator("svg.adherence-chart")
        assert chart.is_visible()
        assert chart.bounding_box()["height"] > 120  # readable size; on a phone it scrolls on its own
        today = page.locator("svg g.day.pending").bounding_box()
        assert 0 <= today["x"] and today["x"] + today["width"] <= size["width"]  # today is in view
        assert page.locator("svg g.day.done").count() == len(set(SESSIONS.values()))
        assert page.locator("svg g.day.pain").count() == 1
        assert page.locator("#streak").inner_text() == "3 days"
        # The table is there without scripts: <details> opens natively.
        page.get_by_text("Every day as a table").click()
        assert page.locator("tbody tr").count() == 30
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        page.screenshot(path=str(artifacts / f"adherence-{name}.png"), full_page=True)
    finally:
        context.close()

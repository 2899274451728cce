"""The "Mark as done" link of a calendar's events: its page, recording, and what it may not do."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import icalendar
import pytest
from sqlalchemy import func, select

from plugin import catalog
from plugin.services import done_links
from plugin.store.installations import InstallationRow
from plugin.store.sessions import SessionRow
from plugin.web import csrf

BASE = "http://localhost"
TODAY = datetime.now(UTC).date()
PLAN = {
    "routines": ["daily-hamstring", "trunk-rotation"],
    "days": ["MO", "TU", "WE", "TH", "FR", "SA", "SU"],
    "times": ["00:00"],  # every occurrence of the last week has begun, whatever the hour now
    "timezone": "UTC",
    "start": (TODAY - timedelta(days=10)).isoformat(),
    "name": "Dehnen",
}


@pytest.fixture
def app_config(database_config, tmp_path):
    return {"TESTING": True, "BASE_URL": BASE, "SECRET_KEY": "k1-" + "a" * 40, **database_config}


def subscribe(client, **changes) -> str:
    answer = client.post("/calendars", json={**PLAN, **changes})
    assert answer.status_code == 201, answer.get_json()
    MANAGE[answer.get_json()["token"]] = answer.get_json()["manage_token"]
    return answer.get_json()["token"]


# The manage token of each feed token subscribed here: it revokes (issue 19).
MANAGE: dict[str, str] = {}


def series(client, token: str) -> list:
    answer = client.get(f"/calendars/{token}.ics")
    assert answer.status_code == 200
    return [e for e in icalendar.Calendar.from_ical(answer.data).walk("VEVENT") if "RRULE" in e]


def done_link(client, token: str, routine_id: str = "daily-hamstring") -> str:
    """The link path of a routine's series, as a calendar app would open it."""
    event = next(e for e in series(client, token) if f"-{routine_id}-" in str(e["UID"]))
    url = str(event["URL"])
    assert url in str(event["DESCRIPTION"])
    assert url.startswith(BASE + "/done/")
    return urlsplit(url).path


def csrf_of(markup: str) -> str:
    return re.search(rf'name="{csrf.FIELD}" value="([^"]+)"', markup).group(1)


def mark(client, path: str, pain: str = "2", notes: str = "", occurrence: str | None = None):
    page = client.get(path)
    assert page.status_code == 200
    markup = page.get_data(as_text=True)
    if occurrence is None:
        occurrence = re.search(r'name="occurrence" value="([^"]+)" checked', markup).group(1)
    form = {csrf.FIELD: csrf_of(markup), "occurrence": occurrence, "pain": pain, "notes": notes}
    return client.post(path, data=form)


def stored(db) -> list[SessionRow]:
    with db.unit_of_work() as session:
        rows = list(session.scalars(select(SessionRow)))
        session.expunge_all()
    return rows


def test_every_series_carries_its_routines_link_once(client):
    token = subscribe(client)
    events = series(client, token)
    links = {str(e["URL"]) for e in events}
    # Per routine, not per occurrence, nor per weekly step (the daily hamstring routine has 4).
    assert len(links) == 2 and len(events) == 5
    for event in events:
        description = str(event["DESCRIPTION"])
        assert description.startswith("CAUTIONS")  # the cautions stay first; the link comes last
        assert description.rstrip().endswith(str(event["URL"]))


def test_the_page_shows_cautions_first_and_the_nearest_occurrence_chosen(client, valid_html):
    path = done_link(client, subscribe(client))
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "private, no-store"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    markup = answer.get_data(as_text=True)
    valid_html(markup)
    routine = catalog.builtin_routine("daily-hamstring")
    assert markup.index('class="cautions"') < markup.index("<form")
    for caution in routine.cautions:
        assert caution.text in markup
    offered = re.findall(r'name="occurrence" value="([^"]+)"', markup)
    assert len(offered) == 7  # today and the six days before
    assert re.search(r'name="occurrence" value="([^"]+)" checked', markup).group(1) == f"{TODAY}T00:00"


def test_recording_stores_one_session_shown_in_the_feed_and_counted(client, db):
    token = subscribe(client)
    path = done_link(client, token)
    answer = mark(client, path, pain="2", notes="stiff")
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith(path + "?")
    rows = stored(db)
    assert [(r.source, r.routine_id, r.pain, r.notes) for r in rows] == [
        ("calendar", "daily-hamstring", 2, "stiff")
    ]
    assert rows[0].started_at.replace(tzinfo=UTC) == datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC)

    feed = icalendar.Calendar.from_ical(client.get(f"/calendars/{token}.ics").data)
    (override,) = [e for e in feed.walk("VEVENT") if "RECURRENCE-ID" in e]
    assert str(override["SUMMARY"]).startswith("✓ Daily hamstring stretch")
    assert override["RECURRENCE-ID"].dt.date() == TODAY
    assert "Pain 2/10" in str(override["DESCRIPTION"])
    assert path in str(override["DESCRIPTION"])  # to change what was recorded

    page = client.get(f"/adherence/{token}").get_data(as_text=True)
    assert re.search(r'id="sessions">1 / \d+<', page)
    assert 'id="not-linked"' not in page

    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert 'id="saved"' in shown and "pain 2/10" in shown
    assert 'value="2"' in shown and "stiff</textarea>" in shown  # the form holds what was recorded


def test_a_second_click_changes_the_same_record(client, db):
    token = subscribe(client)
    path = done_link(client, token)
    assert mark(client, path, pain="2").status_code == 303
    first = stored(db)
    assert mark(client, path, pain="5", notes="better").status_code == 303
    second = stored(db)
    assert len(second) == 1 and second[0].id == first[0].id
    assert (second[0].pain, second[0].notes) == (5, "better")
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(InstallationRow)) == 1


def test_another_day_of_the_last_week_can_be_picked(client, db):
    path = done_link(client, subscribe(client))
    day = TODAY - timedelta(days=6)
    assert mark(client, path, occurrence=f"{day}T00:00").status_code == 303
    assert stored(db)[0].started_at.date() == day


@pytest.mark.parametrize(
    ("field", "pain", "occurrence"),
    [
        ("pain", "11", None),
        ("pain", "two", None),
        ("occurrence", "2", f"{TODAY - timedelta(days=7)}T00:00"),  # more than a week ago
        ("occurrence", "2", f"{TODAY}T12:34"),  # not a planned time
    ],
)
def test_bad_input_is_shown_beside_its_field_and_nothing_is_stored(
    client, db, valid_html, field, pain, occurrence
):
    path = done_link(client, subscribe(client))
    answer = mark(client, path, pain=pain, occurrence=occurrence)
    assert answer.status_code == 422
    markup = answer.get_data(as_text=True)
    valid_html(markup)
    assert f'id="{field}-error"' in markup
    assert stored(db) == []


def test_a_post_without_the_form_token_is_refused(client, db):
    path = done_link(client, subscribe(client))
    answer = client.post(path, data={"occurrence": f"{TODAY}T00:00", "pain": "2"})
    assert answer.status_code == 403
    # A token from another cookie (another browser) does not do either.
    other = client.application.test_client()
    token = csrf_of(other.get(path).get_data(as_text=True))
    answer = client.post(path, data={csrf.FIELD: token, "occurrence": f"{TODAY}T00:00", "pain": "2"})
    assert answer.status_code == 403
    assert stored(db) == []


def test_forged_and_other_calendar_links_answer_404(client, db):
    mine, theirs = subscribe(client), subscribe(client)
    path = done_link(client, mine)
    _, _, calendar_id, routine_id, signature = path.split("/")
    other_id = done_link(client, theirs).split("/")[2]
    forged = signature[:-2] + ("AA" if not signature.endswith("AA") else "BB")
    for wrong in (
        f"/done/{calendar_id}/{routine_id}/{forged}",
        f"/done/{other_id}/{routine_id}/{signature}",  # my signature on another calendar
        f"/done/{calendar_id}/trunk-rotation/{signature}",  # on another routine
        f"/done/{'0' * 32}/{routine_id}/{signature}",
    ):
        assert client.get(wrong).status_code == 404, wrong
    assert stored(db) == []


def test_the_link_reads_neither_the_feed_nor_the_adherence_page(client):
    token = subscribe(client)
    path = done_link(client, token)
    markup = client.get(path).get_data(as_text=True)
    assert token not in markup and token not in path
    signature = path.rsplit("/", 1)[1]
    assert client.get(f"/calendars/{signature}.ics").status_code == 404
    assert client.get(f"/adherence/{signature}").status_code == 404


def test_a_revoked_calendars_link_answers_410_and_its_sessions_are_erased(client, db):
    token = subscribe(client)
    path = done_link(client, token)
    page = client.get(path).get_data(as_text=True)
    assert mark(client, path).status_code == 303
    assert client.delete(f"/calendars/{MANAGE[token]}").status_code == 204
    assert client.get(path).status_code == 410
    form = {csrf.FIELD: csrf_of(page), "occurrence": f"{TODAY}T00:00", "pain": "3"}
    assert client.post(path, data=form).status_code == 410
    assert stored(db) == []
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(InstallationRow)) == 0


def test_a_new_secret_key_changes_the_links_and_the_etag(app, client):
    token = subscribe(client)
    before = client.get(f"/calendars/{token}.ics")
    old_path = done_link(client, token)
    app.config["SECRET_KEY"] = "k2-" + "b" * 40 + ",k1-" + "a" * 40  # rotated: a new first key
    after = client.get(f"/calendars/{token}.ics")
    assert after.headers["ETag"] != before.headers["ETag"]
    new_path = done_link(client, token)
    assert new_path != old_path
    # The old link keeps working while its key is still configured.
    assert client.get(old_path).status_code == 200 and client.get(new_path).status_code == 200


def test_the_signature_is_the_hmac_of_the_calendar_and_routine():
    keys = done_links.keys_from("one,two")
    mine = done_links.signature(keys[1], "cal", "routine")
    assert done_links.is_valid(keys, "cal", "routine", mine)
    assert not done_links.is_valid(keys, "cal2", "routine", mine)
    assert not done_links.is_valid(keys[:1], "cal", "routine", mine)
    assert len(mine) == 43


def test_the_subscribe_success_page_offers_the_adherence_link(client):
    form = {"routines": "daily-hamstring", "days": ["MO"], "times": "07:00", "timezone": "UTC", "name": "x"}
    markup = client.post("/subscribe", data=form).get_data(as_text=True)
    link = re.search(r'id="adherence-link">([^<]+)<', markup).group(1)
    token = re.search(r"/calendars/([^.]+)\.ics", markup).group(1)
    assert link == f"{BASE}/adherence/{token}"


@pytest.mark.parametrize(
    "pain",
    ["²", "9" * 5000],  # a digit to str.isdigit that int() refuses; past int()'s digit limit
)
def test_a_pain_score_of_other_digits_is_a_422_not_a_500(client, db, pain):
    path = done_link(client, subscribe(client))
    answer = mark(client, path, pain=pain)
    assert answer.status_code == 422
    assert 'id="pain-error"' in answer.get_data(as_text=True)
    assert stored(db) == []


def test_notes_with_a_nul_are_a_422_and_nothing_is_stored(client, db):
    path = done_link(client, subscribe(client))
    answer = mark(client, path, notes="stiff\x00")
    assert answer.status_code == 422
    assert stored(db) == []


@pytest.mark.parametrize("part", [0, 1, 2])
def test_a_nul_anywhere_in_the_link_is_a_4xx_not_a_500(client, part):
    path = done_link(client, subscribe(client))
    pieces = path.split("/")
    pieces[2 + part] = "%00" + pieces[2 + part]
    wrong = "/".join(pieces)
    assert client.get(wrong).status_code in (404, 422)
    assert client.post(wrong, data={"pain": "1"}).status_code in (403, 404, 422)


def test_a_german_calendar_links_a_german_page(client, valid_html):
    token = subscribe(client, language="de")
    event = next(e for e in series(client, token) if "-daily-hamstring-" in str(e["UID"]))
    url = str(event["URL"])
    assert url.endswith("?lang=de") and f"Als erledigt eintragen: {url}" in str(event["DESCRIPTION"])
    path = urlsplit(url).path + "?lang=de"
    page = client.get(path).get_data(as_text=True)
    valid_html(page)
    assert "Als erledigt eintragen: Tägliche Dehnung der Oberschenkelrückseite" in page
    assert "Wann haben Sie es gemacht?" in page and "Kontraindikation" in page
    refused = mark(client, path, pain="11")
    assert refused.status_code == 422
    assert "Schmerz ist eine ganze Zahl von 0 (keiner) bis 10 (am schlimmsten)" in refused.get_data(
        as_text=True
    )


def test_the_management_page_shows_the_sessions_marked_done_and_revoking_erases_them(client, db):
    answer = client.post("/calendars", json=PLAN).get_json()
    token, manage = answer["token"], answer["manage_token"]
    assert mark(client, done_link(client, token), pain="2").status_code == 303

    page = client.get(f"/manage/{manage}")
    assert page.status_code == 200
    markup = page.get_data(as_text=True)
    (row,) = re.findall(r'<table id="sessions">.*?</table>', markup, re.S)
    assert "Daily hamstring stretch" in row and "<td>2</td>" in row
    assert 'id="sessions-count">1 /' in markup  # the adherence counts it

    revoke = client.post(f"/manage/{manage}/disconnect", data={csrf.FIELD: csrf_of(markup)})
    assert revoke.status_code == 200
    assert stored(db) == []
    assert client.get(f"/calendars/{token}.ics").status_code == 410


def test_the_page_shows_the_dose_of_the_chosen_occurrences_week(client, valid_html):
    token = subscribe(client)
    path = done_link(client, token)
    markup = client.get(path).get_data(as_text=True)  # today's occurrence: day 10, week 2
    valid_html(markup)
    assert "That day is in week 2 of 4 of the plan." in markup
    assert "<li>Lying hamstring stretch: hold 20 s" in markup
    assert 'id="plan-hold"' not in markup
    earlier = (TODAY - timedelta(days=5)).isoformat()  # day 5: week 1
    markup = client.get(f"{path}?at={earlier}T00:00").get_data(as_text=True)
    assert "That day is in week 1 of 4 of the plan." in markup
    assert "<li>Lying hamstring stretch: hold 15 s" in markup


def test_pain_7_shows_the_hold_on_the_done_page_and_the_management_page(client, valid_html):
    answer = client.post("/calendars", json=PLAN).get_json()
    token, manage = answer["token"], answer["manage_token"]
    path = done_link(client, token)
    recorded = mark(client, path, pain="7")
    assert recorded.status_code == 303

    markup = client.get(recorded.headers["Location"]).get_data(as_text=True)
    valid_html(markup)
    hold = re.search(r'<p class="notice warning" id="plan-hold">([^<]+)</p>', markup).group(1)
    assert hold.startswith(f"⚠ You reported pain 7/10 on {TODAY} 00:00.")
    assert "<li>Lying hamstring stretch: hold 15 s" in markup  # week 2 stepped back to week 1

    page = client.get(f"/manage/{manage}")
    assert page.status_code == 200
    markup = page.get_data(as_text=True)
    valid_html(markup)
    assert "Today is week 1 of 4 of the plan" in markup
    assert f'<p class="notice warning" id="plan-hold">{hold}</p>' in markup
    assert "Daily hamstring stretch, Lying hamstring stretch: hold 15 s" in markup
    assert f"{TODAY} to " in re.search(r'<ul id="plan-holds">(.*?)</ul>', markup, re.S).group(1)

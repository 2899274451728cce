"""Completed sessions at scale: imports mark the feed stale, one fetch renders it, done marks
cover a window of recent history (PLUGIN_FEED_HISTORY_DAYS).

Renders are counted through the log record the renderer writes for each rendering.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import pytest
from hostkit import Host, host_config, session_body
from ical_readers import node_available, with_icalendar, with_icaljs, with_vobject
from sqlalchemy import inspect, select, text

from plugin import clock, create_app
from plugin.jobs import jobs
from plugin.store.calendars import CalendarRow

BERLIN = ZoneInfo("Europe/Berlin")
WINDOW_DAYS = 30
TODAY = datetime.now(BERLIN).date()
PLAN = {
    "routines": ["daily-hamstring"],
    "times": ["07:00", "19:30"],
    "timezone": "Europe/Berlin",
    "start": (TODAY - timedelta(days=60)).isoformat(),
}
READERS = [
    pytest.param(with_icalendar, id="icalendar"),
    pytest.param(with_vobject, id="vobject"),
    pytest.param(
        with_icaljs,
        id="ical.js",
        marks=pytest.mark.skipif(not node_available(), reason="npm install in tests/js first"),
    ),
]
RENDERED = "rendered the feed of calendar"


@pytest.fixture
def app_config(database_config, tmp_path):
    return host_config(
        database_config, tmp_path, FEED_HISTORY_DAYS=WINDOW_DAYS, BASE_URL="https://stretch.example"
    )


@pytest.fixture
def host(client):
    host = Host(client)
    answer = host.install(plan=PLAN).json
    host.feed_path = answer["calendarUrl"].removeprefix("https://stretch.example")
    host.calendar_id = answer["calendarId"]
    return host


@pytest.fixture
def renders(caplog):
    """How many feeds were rendered since the last call."""
    caplog.set_level(logging.INFO, logger="plugin.services.feeds")

    def count() -> int:
        found = sum(RENDERED in r.getMessage() for r in caplog.records)
        caplog.clear()
        return found

    count()
    return count


def at(day: date, hhmm: str, minutes_late: int = 2) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN) + timedelta(minutes=minutes_late)


def import_at(host: Host, key: str, when: datetime) -> None:
    answer = host.import_session(session_body(key, started_at=when.isoformat()))
    assert answer.status_code == 201, answer.get_data(as_text=True)


def stored(db, calendar_id: str) -> CalendarRow:
    with db.unit_of_work() as session:
        row = session.get(CalendarRow, calendar_id)
        session.expunge(row)
        return row


def recent_occurrences(days: int) -> list[datetime]:
    return [at(TODAY - timedelta(days=d), hhmm) for d in range(1, days + 1) for hhmm in ("07:00", "19:30")]


def test_a_burst_of_imports_renders_nothing_and_one_fetch_renders_it_once(client, db, host, renders):
    before = stored(db, host.calendar_id)
    sessions = recent_occurrences(6)
    for i, when in enumerate(sessions):
        import_at(host, f"burst-{i}", when)
    assert renders() == 0  # no import rendered the feed, in its transaction or after
    after_imports = stored(db, host.calendar_id)
    assert after_imports.feed_stale
    assert (after_imports.feed_etag, after_imports.feed_body) == (before.feed_etag, before.feed_body)

    first = client.get(host.feed_path)
    assert first.status_code == 200 and renders() == 1
    assert not stored(db, host.calendar_id).feed_stale
    shown = {o.local: o for o in with_icalendar(first.data, TODAY - timedelta(days=7), TODAY)}
    for when in sessions:
        occurrence = shown[when.replace(minute=when.minute - 2, tzinfo=None)]
        assert occurrence.summary.startswith("✓ "), occurrence

    again = client.get(host.feed_path)
    assert again.data == first.data and renders() == 0
    unchanged = client.get(host.feed_path, headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and renders() == 0


def test_a_stale_feed_answers_an_old_etag_with_the_new_body(client, host, renders):
    old = client.get(host.feed_path)
    import_at(host, "late", at(TODAY - timedelta(days=1), "07:00"))
    fetched = client.get(host.feed_path, headers={"If-None-Match": old.headers["ETag"]})
    assert fetched.status_code == 200 and fetched.headers["ETag"] != old.headers["ETag"]
    assert b"\xe2\x9c\x93 Daily hamstring" in fetched.data  # ✓
    assert renders() == 1


def test_the_sweep_rebuilds_stale_feeds_once_and_a_fetch_then_reads_it(client, app, db, host, renders):
    for i, when in enumerate(recent_occurrences(3)):
        import_at(host, f"sweep-{i}", when)
    jobs(app).sweep.call_local()
    assert renders() == 1 and not stored(db, host.calendar_id).feed_stale
    jobs(app).sweep.call_local()  # nothing marked: nothing rendered
    assert renders() == 0
    body = client.get(host.feed_path).data
    assert renders() == 0 and body.count(b"RECURRENCE-ID") == 6


def test_the_first_import_of_a_burst_queues_one_delayed_rebuild_after_its_commit(
    client, app, db, host, renders
):
    queue = jobs(app).huey
    queue.flush()
    for i, when in enumerate(recent_occurrences(4)):
        import_at(host, f"queued-{i}", when)
    # One job for the whole burst, queued with a delay (huey keeps it until its eta): nothing rendered.
    (task,) = queue.pending()
    assert task.name == "rebuild_feeds" and renders() == 0
    assert task.eta > datetime.now(UTC).replace(tzinfo=None)  # huey keeps naive UTC
    jobs(app).rebuild_feeds.call_local(*task.args)
    assert renders() == 1 and not stored(db, host.calendar_id).feed_stale
    assert client.get(host.feed_path).data.count(b"RECURRENCE-ID") == 8 and renders() == 0
    # The next import starts the next burst: one more job.
    import_at(host, "next", at(TODAY, "00:00", minutes_late=1))
    assert len(queue.pending()) == 2


def test_a_refused_import_queues_nothing(app, host):
    queue = jobs(app).huey
    queue.flush()
    answer = host.import_session(session_body("bad", pain=11))
    assert answer.status_code == 422 and queue.pending() == []


def test_deleting_a_session_marks_the_feed_stale_too(client, db, host, app):
    import_at(host, "gone", at(TODAY - timedelta(days=2), "19:30"))
    assert b"RECURRENCE-ID" in client.get(host.feed_path).data
    with db.unit_of_work() as session:
        from plugin.services.sessions import delete_session

        installation = session.scalar(select(CalendarRow.installation_id))
        assert delete_session(session, installation, "host", "gone")
    assert stored(db, host.calendar_id).feed_stale
    assert b"RECURRENCE-ID" not in client.get(host.feed_path).data


@pytest.mark.parametrize("reader", READERS)
def test_a_session_older_than_the_window_never_leaves_its_occurrence_open(client, host, reader):
    old_day = TODAY - timedelta(days=WINDOW_DAYS + 10)
    recent_day = TODAY - timedelta(days=3)
    import_at(host, "old", at(old_day, "07:00"))
    import_at(host, "old-extra", at(old_day, "12:00"))  # matches no occurrence
    import_at(host, "recent", at(recent_day, "07:00"))
    body = client.get(host.feed_path).data
    window_start = TODAY - timedelta(days=WINDOW_DAYS - 1)
    shown = reader(body, TODAY - timedelta(days=60), TODAY)
    # Nothing before the window: neither the met occurrence as open nor the off-plan session.
    assert shown and min(o.local.date() for o in shown) == window_start
    assert not [o for o in shown if o.local.date() == old_day]
    by_time = {o.local: o for o in shown}
    assert by_time[datetime.combine(recent_day, time(7, 0))].summary.startswith("✓ ")
    assert not by_time[datetime.combine(recent_day, time(19, 30))].summary.startswith("✓")


def test_three_readers_agree_on_the_windowed_feed(client, host):
    if not node_available():
        pytest.skip("npm install in tests/js first")
    for i, when in enumerate(recent_occurrences(WINDOW_DAYS + 5)[::3]):
        import_at(host, f"agree-{i}", when)
    import_at(host, "off-plan", at(TODAY - timedelta(days=4), "12:00"))
    body = client.get(host.feed_path).data
    first, last = TODAY - timedelta(days=60), TODAY + timedelta(days=14)
    seen = [
        [(o.uid, o.local, o.utc, o.summary, o.duration_s) for o in reader(body, first, last)]
        for reader in (with_icalendar, with_vobject, with_icaljs)
    ]
    assert seen[0] == seen[1] == seen[2]
    done = [o for o in seen[0] if o[3].startswith("✓")]
    inside = [w for w in recent_occurrences(WINDOW_DAYS + 5)[::3] if (TODAY - w.date()).days < WINDOW_DAYS]
    assert len(done) == len(inside) + 1  # every session of the window, and the off-plan one


def test_the_feed_does_not_grow_with_history(client, host):
    sessions = recent_occurrences(55)
    for i, when in enumerate(sessions):
        import_at(host, f"h-{i}", when)
    body = client.get(host.feed_path).data
    # Only the window's sessions are marked; days before it are not in the feed at all.
    assert body.count(b"RECURRENCE-ID") == 2 * (WINDOW_DAYS - 1)
    # A done mark does not repeat the routine: its text is once per series only.
    assert body.count(b"CAUTIONS (read first)") == 2


def test_two_plan_changes_within_one_second_give_two_etags_and_a_later_last_modified(client, monkeypatch):
    frozen = datetime(2026, 11, 27, 10, 0, 0, 400_000, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: frozen)
    created = client.post("/calendars", json={**PLAN, "start": "2026-11-23"}).json
    token = created["token"]
    path = f"/calendars/{token}.ics"
    seen = []
    for times in (["07:15", "19:30"], ["07:30", "19:30"]):
        assert client.patch(f"/calendars/{created['manage_token']}", json={"times": times}).status_code == 200
        answer = client.get(path)
        seen.append((answer.headers["ETag"], parsedate_to_datetime(answer.headers["Last-Modified"])))
    (first_etag, first_modified), (second_etag, second_modified) = seen
    assert first_etag != second_etag
    assert second_modified > first_modified
    # A client that only compares dates sees the second change as newer.
    since = client.get(path, headers={"If-Modified-Since": answer.headers["Last-Modified"]})
    assert since.status_code == 304
    before = (second_modified - timedelta(seconds=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert client.get(path, headers={"If-Modified-Since": before}).status_code == 200


def test_sessions_are_indexed_by_installation_and_start(db):
    indexes = {i["name"]: i["column_names"] for i in inspect(db.engine).get_indexes("completed_sessions")}
    assert indexes["ix_completed_sessions_installation_started"] == ["installation_id", "started_at"]


@pytest.mark.parametrize("days", [0, -5, "many", 1.5, 4000])
def test_a_bad_history_window_stops_the_app_from_starting(database_config, days):
    with pytest.raises(ValueError, match="PLUGIN_FEED_HISTORY_DAYS"):
        create_app({**database_config, "FEED_HISTORY_DAYS": days})


def test_feed_bodies_are_stored_uncompressed_on_postgresql(db):
    # Decompressing a 100 KiB body on every 200 cost a third of the read; SQLite has no storage modes.
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL column setting")
    with db.engine.connect() as conn:
        storage = conn.execute(
            text(
                "SELECT a.attstorage FROM pg_attribute a JOIN pg_class c ON a.attrelid = c.oid "
                "WHERE c.oid = to_regclass('calendars') AND a.attname = 'feed_body'"
            )
        ).scalar_one()
    assert storage == "e"

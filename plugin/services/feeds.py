"""A calendar's iCalendar feed: rendering, storing, stale marks and rebuilds, and serving it.

A new session marks its installation's feed stale; the feed is rendered once later (by a
job, the worker's sweep or the next fetch), never inside the import.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache, partial
from typing import Any
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from plugin import catalog, clock, figures, i18n
from plugin.catalog import figures as catalog_figures
from plugin.catalog.localize import localize_plan
from plugin.catalog.model import Plan
from plugin.errors import Gone, NotFound
from plugin.formats import canonical, ical
from plugin.i18n import N_
from plugin.services import done_links, plan_state, schedule
from plugin.services.calendar_lookup import hash_token, plan_from_spec
from plugin.store import calendars as repo
from plugin.store import sessions as session_repo
from plugin.store import uow
from plugin.store.calendars import CalendarRow, utc
from plugin.store.db import Database

log = logging.getLogger(__name__)

DEFAULT_HISTORY_DAYS = 90  # PLUGIN_FEED_HISTORY_DAYS: days of done marks a feed shows
STALE_PER_SWEEP = 100  # feeds the worker's minute sweep rebuilds at most per run


@dataclass(frozen=True)
class Feed:
    body: bytes | None  # None when the client's copy is current (answer 304)
    etag: str
    last_modified: datetime | None
    filename: str


@lru_cache(maxsize=1)
def renderer_fingerprint() -> str:
    """Changes when the feed renderer or the built-in catalog changes: stored feeds are then rebuilt."""
    digest = hashlib.sha256(ical.PRODID.encode())
    digest.update(ical.RENDERER_VERSION.encode())
    for routine in catalog.builtin_routines():
        digest.update(json.dumps(canonical.routine_dict(routine), sort_keys=True).encode())
    # A changed translation changes the feeds written in that language.
    digest.update(i18n.catalogs_fingerprint().encode())
    return digest.hexdigest()


def etag_of(body: bytes) -> str:
    """A strong validator (RFC 9110 §8.8.3): the body's hash, quoted."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _no_keys() -> tuple[bytes, ...]:
    return ()


@dataclass(frozen=True)
class FeedSettings:
    history_days: int = DEFAULT_HISTORY_DAYS
    site_url: str = ""  # public root for links to routine pages; empty: no link
    # The "Mark as done" link keys (services.done_links.keys_from), read when first needed:
    # the secret key may be generated into the instance folder on first use.
    link_keys: Callable[[], tuple[bytes, ...]] = _no_keys

    def fingerprint(self) -> str:
        """What of the settings shows in a feed's bytes: another value means "render again"."""
        digest = hashlib.sha256(renderer_fingerprint().encode())
        digest.update(self.site_url.encode())
        digest.update(done_links.key_id(self.link_keys()).encode())
        # A new year renders every feed again, so a feed nothing else changes keeps its clock
        # changes pinned ahead of it (ical.CLOCK_CHANGE_YEARS; docs/icalendar.md#clock-changes).
        digest.update(str(clock.now().year).encode())
        return digest.hexdigest()


# Per database (by its engine), set by create_app: the feed settings of the app that owns it.
_settings: WeakKeyDictionary[Any, FeedSettings] = WeakKeyDictionary()


def configure_feeds(db: Database, settings: FeedSettings) -> None:
    """Use ``settings`` (PLUGIN_FEED_HISTORY_DAYS, PLUGIN_BASE_URL) for the feeds of ``db``."""
    _settings[db.engine] = settings


def feed_settings(session: Session) -> FeedSettings:
    """The feed settings of the database ``session`` works on (the defaults if none were set).

    Links need PLUGIN_BASE_URL: the request's own root would make a feed rendered by a
    fetch differ from the same feed rendered by a job, and its ETag flip between them.
    """
    return _settings.get(session.get_bind(), FeedSettings())


def stored_fingerprint(bind: Any) -> str:
    """The fingerprint a current stored feed of this database (engine or session) carries.

    The renderer, the catalog, the site's root and the link key: a feed stored under
    another one is rendered again on its next read, so a new PLUGIN_BASE_URL or
    PLUGIN_SECRET_KEY reaches every feed's links (and so its ETag).
    """
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    return _settings.get(engine, FeedSettings()).fingerprint()


def history_start(plan: Plan, now: datetime, days: int) -> date:
    """First day of the history window: ``days`` days up to today in the plan's timezone."""
    return now.astimezone(ZoneInfo(plan.timezone)).date() - timedelta(days=days - 1)


def later_than(previous: datetime | None, now: datetime) -> datetime:
    """Last-Modified of a changed body: now in whole seconds, and after the previous one.

    HTTP dates have one-second resolution (RFC 9110 §5.6.7): a second change within the
    same second gets the next second, so a client comparing dates sees it as newer.
    """
    now = now.replace(microsecond=0)
    previous = utc(previous)
    if previous is not None and now <= previous:
        return previous + timedelta(seconds=1)
    return now


def render_body(
    session: Session,
    row: CalendarRow,
    done: Iterable[ical.DoneOccurrence] | None = None,
    now: datetime | None = None,
    settings: FeedSettings | None = None,
) -> bytes:
    """The feed of ``row`` as it would be stored now (nothing is stored; bench/feed.py times it).

    ``done`` defaults to the owning installation's sessions of the history window.
    """
    now = now or clock.now()
    settings = settings or feed_settings(session)
    # Every text of the feed in the calendar's language; UIDs and ids stay as they are, and the
    # links open their pages in the same language.
    with i18n.using((row.spec or {}).get("language") or i18n.DEFAULT) as lang:
        plan = localize_plan(plan_from_spec(session, row.spec or {}), lang)
        since = history_start(plan, now, settings.history_days)
        if done is None:
            done = done_marks(session, row.installation_id, plan, since) if row.installation_id else ()
        site = settings.site_url
        keys = settings.link_keys() if site else ()
        changed_at = utc(row.changed_at)
        query = "" if lang.code == i18n.DEFAULT else f"?lang={lang.code}"
        body = ical.feed(
            plan,
            feed_id=row.id,
            sequence=row.sequence,
            changed_at=changed_at,  # type: ignore[arg-type]
            created_at=utc(row.created_at),
            done=done,
            since=since,
            routine_url=(lambda routine_id: f"{site}/routine/{routine_id}{query}") if site else None,
            figure_url=(lambda exercise_id: site + _drawing_path(exercise_id)) if site else None,
            done_url=(lambda routine_id: site + done_links.path(keys[0], row.id, routine_id) + query)
            if keys
            else None,
            # Weeks and pain holds: an import with a pain score marks the feed stale like any other.
            plan_state=plan_state.plan_progress(session, plan, row.installation_id, changed_at),
        )
    # One record per rendering: what the "once for a burst" promise is checked against.
    log.info("rendered the feed of calendar %s (%d bytes)", row.id, len(body))
    return body


def _drawing_path(exercise_id: str) -> str:
    """Where an exercise's drawing is served, versioned by its bytes (docs/figures.md)."""
    figure_id = catalog_figures.exercise_figure(exercise_id).id
    return f"{catalog_figures.figure_path(exercise_id)}?v={figures.fingerprint(figure_id)}"


def render_feed(
    session: Session,
    row: CalendarRow,
    done: Iterable[ical.DoneOccurrence] | None = None,
    now: datetime | None = None,
) -> bool:
    """Render and store the feed of ``row`` in this unit of work; True when its bytes changed.

    Call it after the plan changes. ``done`` defaults to the completed sessions of the
    installation that owns the calendar within the history window (none for a calendar
    of its own). A new session does not call this: it marks the feed stale
    (``mark_installation_stale``) and ``rebuild_feed`` renders it once, outside the import.
    Last-Modified moves only when the bytes do, so conditional GETs keep answering 304.
    """
    now = now or clock.now()
    if inspect(row).persistent:
        # Clear the stale mark before reading the sessions: on PostgreSQL the row lock makes
        # imports in flight commit first, and one committing later marks the feed again.
        row.feed_stale = False
        session.flush()
    body = render_body(session, row, done, now)
    row.feed_fingerprint = stored_fingerprint(session)
    row.feed_stale = False
    etag = etag_of(body)
    if etag == row.feed_etag:
        return False
    row.feed_body = body
    row.feed_etag = etag
    row.feed_modified = later_than(row.feed_modified, now)
    return True


def mark_installation_stale(session: Session, installation_id: str) -> bool:
    """Record that the installation's feed must be rendered again; True when this call marked it.

    One cheap UPDATE in the caller's transaction; a burst of imports marks it once.
    """
    return repo.mark_stale(session, installation_id)


# Per database (by its engine): what schedules a rebuild once an import's stale mark is
# committed. plugin.jobs registers one that queues a delayed job; without it the next fetch
# and the worker's sweep still rebuild every stale feed.
_rebuild_schedulers: WeakKeyDictionary[Any, Callable[[str], None]] = WeakKeyDictionary()


def schedule_rebuilds(db: Database, scheduler: Callable[[str], None]) -> None:
    """Have ``scheduler(installation_id)`` called after a commit that marked that feed stale."""
    _rebuild_schedulers[db.engine] = scheduler


def feed_went_stale(session: Session, installation_id: str) -> None:
    """Once ``session`` commits, let the registered scheduler queue a rebuild of the feed.

    An effect of the unit of work (plugin.store.uow): it runs after the commit, never inside
    the transaction (a queue may be a network call, Redis), and a rollback drops it.
    """
    scheduler = _rebuild_schedulers.get(session.get_bind())
    if scheduler is not None:
        uow.after_commit(session, partial(scheduler, installation_id))


def rebuild_installation_feeds(db: Database, installation_id: str) -> int:
    """Rebuild the installation's stale feeds (the job an import schedules); how many were."""
    with db.unit_of_work() as session:
        calendar_ids = [row.id for row in repo.of_installation(session, installation_id)]
    return sum(rebuild_feed(db, calendar_id, only_if_stale=True) is not None for calendar_id in calendar_ids)


def rebuild_feed(db: Database, calendar_id: str, only_if_stale: bool = False) -> bytes | None:
    """Render a stale feed once and store it; the body rendered, or None when nothing was done.

    Runs outside any import: it clears the stale mark (a short transaction that waits for
    imports in flight), renders from a fresh read, then stores the body unless another
    rebuild or a plan change stored one first. If the store loses that race the mark is set
    again, so a session read by nobody's stored body is always rendered later.
    ``only_if_stale``: leave a feed alone that is not (or no longer) marked (the sweep).
    """
    with db.unit_of_work() as session:
        replaces = repo.clear_stale(session, calendar_id, only_if_stale)
    if replaces is None:
        return None
    now = clock.now()
    with db.unit_of_work() as session:
        row = repo.by_id(session, calendar_id)
        if row is None or row.revoked_at is not None:
            return None
        previous = utc(row.feed_modified)
        body = render_body(session, row, None, now)
    etag = etag_of(body)
    modified = previous if etag == replaces and previous else later_than(previous, now)
    with db.unit_of_work() as session:
        stored = repo.store_feed(
            session, calendar_id, replaces, body, etag, modified, stored_fingerprint(db.engine)
        )
        if not stored:
            repo.set_stale(session, calendar_id)
    return body


def rebuild_stale_feeds(db: Database, limit: int = STALE_PER_SWEEP) -> int:
    """Rebuild up to ``limit`` feeds marked stale (the worker's sweep); how many were rebuilt."""
    with db.unit_of_work() as session:
        stale = repo.stale_ids(session, limit)
    return sum(rebuild_feed(db, calendar_id, only_if_stale=True) is not None for calendar_id in stale)


def _filename(name: str) -> str:
    """The download name of a feed: the calendar's name as a slug, in any script.

    "Dehnübungen – täglich" → "dehnübungen-täglich.ics"; the web edge adds an ASCII
    fallback beside it (plugin.web.downloads, RFC 6266).
    """
    slug = re.sub(r"[\W_]+", "-", name).strip("-").lower()
    return (slug or "stretching") + ".ics"


def _fresh(
    etag: str, modified: datetime | None, if_none_match: Any, if_modified_since: datetime | None
) -> bool:
    # RFC 9110 §13.1.2: If-None-Match on GET compares weakly; §13.1.3: If-Modified-Since only
    # counts when there is no If-None-Match.
    if if_none_match:
        return bool(if_none_match.contains_weak(etag.strip('"')))
    return bool(if_modified_since and modified and modified <= if_modified_since)


def feed(
    db: Database, token: str, if_none_match: Any = None, if_modified_since: datetime | None = None
) -> Feed:
    """The feed of ``token``; ``body`` is None when the client's copy is current (answer 304).

    ``if_none_match`` is werkzeug's ETags (anything with ``contains_weak``) or None.
    A matching If-None-Match costs one small indexed read on a plain connection and never
    renders. A feed marked stale (sessions arrived since it was rendered), stored by an older
    renderer, or never rendered is rebuilt here once and stored (``rebuild_feed``), so a
    server with no worker running still serves every session.
    A 304 carries no Last-Modified (RFC 9110 §15.4.5 does not ask for it).
    """
    token_hash = hash_token(token)
    fingerprint = stored_fingerprint(db.engine)

    def current(found: repo.FeedValidators) -> bool:
        return bool(found.etag) and found.fingerprint == fingerprint and not found.stale

    def wants_body(found: repo.FeedValidators) -> bool:
        if found.revoked or not current(found):
            return False
        return not (if_none_match and if_none_match.contains_weak((found.etag or "").strip('"')))

    found, stored = repo.read_feed(db.engine, token_hash, wants_body)
    if found is None:
        raise NotFound(N_("no such calendar"), field="token")
    if found.revoked:
        raise Gone(N_("this calendar was revoked"), field="token")
    if current(found) and stored is None:
        return Feed(None, found.etag or "", None, "")  # If-None-Match matched
    if stored is None or not stored.body:
        body = rebuild_feed(db, found.calendar_id)
        found, stored = repo.read_feed(db.engine, token_hash, lambda _: True)
        if found is None or found.revoked:
            raise Gone(N_("this calendar was revoked"), field="token")
        if body is not None and stored is not None and etag_of(body) != found.etag:
            # Another rebuild stored first (and the mark is set again): serve what was just
            # rendered, which holds every session committed before this request.
            stored = repo.FeedBody(clock.now_s(), body, stored.name)
            found = repo.FeedValidators(etag_of(body), False, fingerprint, True, found.calendar_id)
    assert found is not None and found.etag and stored is not None
    if _fresh(found.etag, stored.modified, if_none_match, if_modified_since):
        return Feed(None, found.etag, stored.modified, "")
    return Feed(stored.body, found.etag, stored.modified, _filename(stored.name))


def done_marks(session: Session, installation_id: str, plan: Plan, since: date) -> list[ical.DoneOccurrence]:
    """The installation's completed sessions of the history window, placed on its occurrences.

    Reads only the window's rows (index on installation and start time), never the whole history.
    """
    first = max(plan.start, since) if plan.start else since
    start = datetime.combine(first, time(0), tzinfo=ZoneInfo(plan.timezone))
    return schedule.done_occurrences(plan, session_repo.completed_since(session, installation_id, start))


def installation_feed(session: Session, installation_id: str, calendar_id: str) -> bytes:
    """The feed of a calendar this installation owns; NotFound for any other (another's too)."""
    row = repo.by_id(session, calendar_id)
    if row is None or row.installation_id != installation_id or row.revoked_at is not None:
        raise NotFound(N_("no calendar '{calendar}'"), field="id", values={"calendar": calendar_id})
    if row.feed_stale or row.feed_fingerprint != stored_fingerprint(session) or not row.feed_body:
        render_feed(session, row)
    return row.feed_body or b""

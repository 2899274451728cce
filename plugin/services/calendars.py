"""Calendar subscriptions: subscribe, change, revoke, serve the feed, push to CalDAV.

Every plan is checked by ``normalise_spec`` through the plan rules
(plugin.schemas.plans), so that every caller, such as a tracker installation's
schedule, gets the same checks and the same names for the field at fault.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache, partial
from typing import Any
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from plugin import catalog, clock, crypto
from plugin.catalog.model import Plan
from plugin.errors import Gone, InvalidInput, NotFound
from plugin.formats import canonical, ical
from plugin.schemas import plans
from plugin.services import schedule
from plugin.services.routines import check_routine_ids, get_routine
from plugin.store import calendars as repo
from plugin.store import sessions as session_repo
from plugin.store import uow
from plugin.store.calendars import CalendarRow, utc
from plugin.store.db import Database
from plugin.trackers.base import TrackerError
from plugin.trackers.caldav import CalDavClient, CalDavOutcome, check_collection_url, check_public_host

log = logging.getLogger(__name__)

TOKEN_BYTES = 32  # 256 bits from the OS's CSPRNG; the issue asks for at least 128
DEFAULT_HISTORY_DAYS = 90  # PLUGIN_FEED_HISTORY_DAYS: days of done marks a feed shows
STALE_PER_SWEEP = 100  # feeds the worker's minute sweep rebuilds at most per run


@dataclass(frozen=True)
class CreatedCalendar:
    token: str  # shown once; only its hash is stored
    calendar_id: str
    plan: Plan


@dataclass(frozen=True)
class Feed:
    body: bytes | None  # None when the client's copy is current (answer 304)
    etag: str
    last_modified: datetime | None
    filename: str


@dataclass(frozen=True)
class CalDavState:
    """Where a calendar's series were pushed (never the password)."""

    url: str
    username: str | None
    resources: list[str]
    pushed_at: datetime | None


@dataclass(frozen=True)
class CalendarView:
    """What the API shows about a subscription (never the token or a password)."""

    calendar_id: str
    spec: dict[str, Any]
    plan: Plan
    sequence: int
    created_at: datetime
    changed_at: datetime
    caldav: CalDavState | None
    caldav_error: str | None = None


def hash_token(token: str) -> str:
    """What is stored instead of the token: its SHA-256, hex (256 random bits need no salt)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- the plan ----------------------------------------------------------------------------------


def normalise_spec(session: Session, fields: Mapping[str, Any], today: date | None = None) -> dict[str, Any]:
    """Check plan fields and return them in stored form; InvalidInput names the field at fault.

    The rules are plugin.schemas.plans' (the same for every caller); this adds what
    needs the store. ``start`` defaults to ``today`` (the creation date in the plan's
    timezone) so a feed's first occurrence never moves when it is rendered again later.
    """
    spec = plans.load_plan_fields(fields)
    check_routine_ids(session, spec["routines"])
    if "start" not in spec:
        spec["start"] = (today or clock.now().astimezone(ZoneInfo(spec["timezone"])).date()).isoformat()
    return {name: spec[name] for name in plans.FIELDS if name in spec}


def plan_from_spec(session: Session, spec: Mapping[str, Any]) -> Plan:
    """The Plan a stored spec describes (routines looked up now, custom ones from the store)."""
    return Plan(
        routines=tuple(get_routine(session, routine_id) for routine_id in spec["routines"]),
        times=tuple(time.fromisoformat(t) for t in spec["times"]),
        timezone=spec["timezone"],
        days=tuple(spec["days"]),
        reminders_min=tuple(spec["reminders"]),
        start=date.fromisoformat(spec["start"]),
        name=spec["name"],
    )


def load_plan(session: Session, calendar_id: str) -> Plan:
    """The Plan of a live calendar by its public id; NotFound or Gone otherwise."""
    row = repo.by_id(session, calendar_id)
    if row is None:
        raise NotFound(f"no calendar {calendar_id!r}", field="calendar")
    return plan_from_spec(session, _live(row).spec or {})


# --- subscriptions -----------------------------------------------------------------------------


def create_calendar(
    session: Session,
    plan_fields: Mapping[str, Any],
    installation_id: str | None = None,
    now: datetime | None = None,
) -> CreatedCalendar:
    """Check the plan, store the subscription and its rendered feed; nothing is stored if invalid."""
    now = now or clock.now_s()
    tzid = plan_fields.get("timezone")
    today = None
    if isinstance(tzid, str) and ical.is_timezone(tzid):
        today = now.astimezone(ZoneInfo(tzid)).date()
    spec = normalise_spec(session, plan_fields, today)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = CalendarRow(
        id=secrets.token_hex(16),
        token_hash=hash_token(token),
        installation_id=installation_id,
        spec=spec,
        sequence=0,
        created_at=now,
        changed_at=now,
    )
    render_feed(session, row, now=now)
    repo.add(session, row)
    return CreatedCalendar(token=token, calendar_id=row.id, plan=plan_from_spec(session, spec))


def _live(row: CalendarRow) -> CalendarRow:
    if row.revoked_at is not None:
        # Nothing about the plan: the row keeps no plan once revoked.
        raise Gone("this calendar was revoked", field="token")
    return row


def find_calendar(session: Session, token: str) -> CalendarRow:
    """The live subscription of ``token``; NotFound when unknown, Gone when revoked."""
    row = repo.by_token_hash(session, hash_token(token))
    if row is None:
        raise NotFound("no such calendar", field="token")
    return _live(row)


def view(session: Session, row: CalendarRow, caldav_error: str | None = None) -> CalendarView:
    """What the API may show about ``row``: the plan and the CalDAV target, no secrets."""
    spec = row.spec or {}
    caldav = None
    if row.caldav_url:
        caldav = CalDavState(
            url=row.caldav_url,
            username=row.caldav_username,
            resources=list(row.caldav_resources or []),
            pushed_at=utc(row.caldav_pushed_at),
        )
    return CalendarView(
        calendar_id=row.id,
        spec=spec,
        plan=plan_from_spec(session, spec),
        sequence=row.sequence,
        created_at=utc(row.created_at),  # type: ignore[arg-type]
        changed_at=utc(row.changed_at),  # type: ignore[arg-type]
        caldav=caldav,
        caldav_error=caldav_error,
    )


def show_calendar(session: Session, token: str) -> CalendarView:
    """The plan behind a token."""
    return view(session, find_calendar(session, token))


def update_calendar(
    db: Database,
    token: str,
    changes: Mapping[str, Any],
    app_secret: str = "",
    now: datetime | None = None,
) -> CalendarView:
    """Change the plan; a real change bumps SEQUENCE and re-renders, and re-pushes to CalDAV.

    The change commits first; the CalDAV server is called after, with no transaction
    open, and its failure is reported in ``caldav_error`` while the change stands.
    """
    with db.unit_of_work() as session:
        row = find_calendar(session, token)
        changed = _set_plan(session, row, changes, now)
        copy = _copy_of(row) if changed else None
        found = view(session, row)
    if copy is None:
        return found
    error = _repush(db, copy, app_secret)
    with db.unit_of_work() as session:
        stored = repo.by_id(session, copy.calendar_id)
        if stored is None or stored.revoked_at is not None:
            return replace(found, caldav_error=error)  # revoked meanwhile: the change was answered
        return view(session, stored, error)


def change_plan(
    session: Session,
    row: CalendarRow,
    changes: Mapping[str, Any],
    app_secret: str = "",
    now: datetime | None = None,
) -> CalendarView:
    """Change the plan of a live calendar row; its CalDAV copy follows once the change commits.

    ``session`` must come from a unit of work (``Database.unit_of_work``): the re-push is
    queued on it, and a failure is only logged (``update_calendar`` reports it instead).
    """
    if _set_plan(session, row, changes, now):
        copy = _copy_of(row)
        if copy is not None:
            work = uow.of(session)
            work.after_commit(partial(_repush, work.database, copy, app_secret))
    return view(session, row)


def _set_plan(session: Session, row: CalendarRow, changes: Mapping[str, Any], now: datetime | None) -> bool:
    """Store the changed plan and its feed; False when nothing changed (same SEQUENCE, same ETag)."""
    merged = {**(row.spec or {}), **changes}
    spec = normalise_spec(session, merged)
    if spec == row.spec:
        return False
    now = now or clock.now_s()
    row.spec = spec
    row.sequence += 1
    row.changed_at = now
    render_feed(session, row, now=now)
    return True


def revoke_calendar(session: Session, token: str, app_secret: str = "") -> None:
    """Revoke the token: the feed answers 410, the plan is erased, pushed CalDAV events are deleted.

    The events are deleted after the revocation commits (``session`` comes from a unit of work).
    """
    _revoke(session, find_calendar(session, token), app_secret)


def erase_installation_calendars(session: Session, installation_id: str, app_secret: str = "") -> int:
    """Revoke every calendar an installation owns (on uninstall); returns how many."""
    rows = repo.of_installation(session, installation_id)
    for row in rows:
        _revoke(session, row, app_secret)
        row.installation_id = None  # the installation is gone; keep no link to it
    return len(rows)


def _revoke(session: Session, row: CalendarRow, app_secret: str) -> None:
    copy = _copy_of(row)
    if copy is not None and copy.resources:
        # Revoking must not depend on a calendar server: it commits, the clean-up follows.
        uow.after_commit(session, partial(_remove_copy, copy, app_secret))
    row.revoked_at = clock.now_s()
    for column in (
        "spec",
        "feed_body",
        "feed_etag",
        "feed_modified",
        "feed_fingerprint",
        "caldav_url",
        "caldav_username",
        "caldav_password",
        "caldav_resources",
        "caldav_pushed_at",
    ):
        setattr(row, column, None)


# --- the feed ----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def renderer_fingerprint() -> str:
    """Changes when the feed renderer or the built-in catalog changes: stored feeds are then rebuilt."""
    digest = hashlib.sha256(ical.PRODID.encode())
    digest.update(ical.RENDERER_VERSION.encode())
    for routine in catalog.builtin_routines():
        digest.update(json.dumps(canonical.routine_dict(routine), sort_keys=True).encode())
    return digest.hexdigest()


def etag_of(body: bytes) -> str:
    """A strong validator (RFC 9110 §8.8.3): the body's hash, quoted."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@dataclass(frozen=True)
class FeedSettings:
    history_days: int = DEFAULT_HISTORY_DAYS
    site_url: str = ""  # public root for links to routine pages; empty: no link


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
    plan = plan_from_spec(session, row.spec or {})
    since = history_start(plan, now, settings.history_days)
    if done is None:
        done = done_marks(session, row.installation_id, plan, since) if row.installation_id else ()
    site = settings.site_url
    body = ical.feed(
        plan,
        feed_id=row.id,
        sequence=row.sequence,
        changed_at=utc(row.changed_at),  # type: ignore[arg-type]
        created_at=utc(row.created_at),
        done=done,
        since=since,
        routine_url=(lambda routine_id: f"{site}/routine/{routine_id}") if site else None,
    )
    # One record per rendering: what the "once for a burst" promise is checked against.
    log.info("rendered the feed of calendar %s (%d bytes)", row.id, len(body))
    return body


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
    row.feed_fingerprint = renderer_fingerprint()
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
        stored = repo.store_feed(session, calendar_id, replaces, body, etag, modified, renderer_fingerprint())
        if not stored:
            repo.set_stale(session, calendar_id)
    return body


def rebuild_stale_feeds(db: Database, limit: int = STALE_PER_SWEEP) -> int:
    """Rebuild up to ``limit`` feeds marked stale (the worker's sweep); how many were rebuilt."""
    with db.unit_of_work() as session:
        stale = repo.stale_ids(session, limit)
    return sum(rebuild_feed(db, calendar_id, only_if_stale=True) is not None for calendar_id in stale)


def _filename(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()
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
    fingerprint = renderer_fingerprint()

    def current(found: repo.FeedValidators) -> bool:
        return bool(found.etag) and found.fingerprint == fingerprint and not found.stale

    def wants_body(found: repo.FeedValidators) -> bool:
        if found.revoked or not current(found):
            return False
        return not (if_none_match and if_none_match.contains_weak((found.etag or "").strip('"')))

    found, stored = repo.read_feed(db.engine, token_hash, wants_body)
    if found is None:
        raise NotFound("no such calendar", field="token")
    if found.revoked:
        raise Gone("this calendar was revoked", field="token")
    if current(found) and stored is None:
        return Feed(None, found.etag or "", None, "")  # If-None-Match matched
    if stored is None or not stored.body:
        body = rebuild_feed(db, found.calendar_id)
        found, stored = repo.read_feed(db.engine, token_hash, lambda _: True)
        if found is None or found.revoked:
            raise Gone("this calendar was revoked", field="token")
        if body is not None and stored is not None and etag_of(body) != found.etag:
            # Another rebuild stored first (and the mark is set again): serve what was just
            # rendered, which holds every session committed before this request.
            stored = repo.FeedBody(clock.now_s(), body, stored.name)
            found = repo.FeedValidators(etag_of(body), False, fingerprint, True, found.calendar_id)
    assert found is not None and found.etag and stored is not None
    if _fresh(found.etag, stored.modified, if_none_match, if_modified_since):
        return Feed(None, found.etag, stored.modified, "")
    return Feed(stored.body, found.etag, stored.modified, _filename(stored.name))


# --- calendars owned by an installation -------------------------------------------------------


def done_marks(session: Session, installation_id: str, plan: Plan, since: date) -> list[ical.DoneOccurrence]:
    """The installation's completed sessions of the history window, placed on its occurrences.

    Reads only the window's rows (index on installation and start time), never the whole history.
    """
    first = max(plan.start, since) if plan.start else since
    start = datetime.combine(first, time(0), tzinfo=ZoneInfo(plan.timezone))
    return schedule.done_occurrences(plan, session_repo.completed_since(session, installation_id, start))


def installation_calendar(session: Session, installation_id: str) -> CalendarRow | None:
    """The live calendar an installation's plan lives in, if it has a plan."""
    owned = repo.of_installation(session, installation_id)
    return owned[0] if owned else None


def installation_feed(session: Session, installation_id: str, calendar_id: str) -> bytes:
    """The feed of a calendar this installation owns; NotFound for any other (another's too)."""
    row = repo.by_id(session, calendar_id)
    if row is None or row.installation_id != installation_id or row.revoked_at is not None:
        raise NotFound(f"no calendar {calendar_id!r}", field="id")
    if row.feed_stale or row.feed_fingerprint != renderer_fingerprint() or not row.feed_body:
        render_feed(session, row)
    return row.feed_body or b""


# --- CalDAV ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalDavCopy:
    """A calendar's CalDAV target and feed, read in a transaction for a call made after it."""

    calendar_id: str
    sequence: int
    url: str
    username: str
    password_enc: str  # decrypted only where the call is made
    resources: tuple[str, ...]
    feed_body: bytes

    def client(self, app_secret: str) -> CalDavClient:
        return CalDavClient(self.url, self.username, crypto.decrypt(app_secret, self.password_enc))


def _copy_of(row: CalendarRow) -> CalDavCopy | None:
    if not row.caldav_url:
        return None
    return CalDavCopy(
        calendar_id=row.id,
        sequence=row.sequence,
        url=row.caldav_url,
        username=row.caldav_username or "",
        password_enc=row.caldav_password or "",
        resources=tuple(row.caldav_resources or ()),
        feed_body=row.feed_body or b"",
    )


def _remove_copy(copy: CalDavCopy, app_secret: str) -> None:
    """Delete the events of ``copy`` from its server; a failure is logged, never raised."""
    try:
        copy.client(app_secret).remove_all(list(copy.resources))
    except (TrackerError, crypto.SecretMissing, crypto.SecretUnreadable) as err:
        log.warning("CalDAV clean-up of %s failed: %s", copy.calendar_id, err)


# A plan changed again while its copy was being pushed is pushed again, a few times at most,
# so that the server ends with the newest feed whichever push finishes last.
MAX_REPUSHES = 3


def _repush(db: Database, copy: CalDavCopy, app_secret: str) -> str | None:
    """Push a changed plan to the calendar's CalDAV copy, then record it; the error, if any.

    Called with no transaction open: read (``copy``), call, then record in a short transaction.
    """
    for _ in range(MAX_REPUSHES):
        try:
            outcome = copy.client(app_secret).push(ical.resources(copy.feed_body), list(copy.resources))
        except (TrackerError, crypto.SecretMissing, crypto.SecretUnreadable) as err:
            # The plan change stands; the caller sees why the calendar server did not follow.
            log.warning("CalDAV re-push of %s failed: %s", copy.calendar_id, err)
            return str(err)
        current = None
        with db.unit_of_work() as session:
            row = repo.by_id(session, copy.calendar_id)
            if row is not None and row.revoked_at is None:
                current = _copy_of(row)
                if current is not None and current.url == copy.url:
                    row.caldav_resources = outcome.written
                    row.caldav_pushed_at = clock.now_s()
        if current is None or current.url != copy.url:
            # Revoked or moved meanwhile: take back what this push wrote.
            _remove_copy(replace(copy, resources=tuple(outcome.written)), app_secret)
            return None
        if current.sequence == copy.sequence:
            return None
        copy = replace(current, resources=tuple(outcome.written))
    return None


def push_caldav(
    db: Database,
    token: str,
    collection_url: str,
    username: str,
    password: str,
    app_secret: str,
    allow_private_hosts: bool = False,
) -> CalendarView:
    """PUT every series into a CalDAV collection; a second push updates the same resources.

    The password is stored encrypted (plugin.crypto, PLUGIN_SECRET_KEY) so that later plan
    changes and the revocation reach the server too. Raises InvalidInput for a bad URL
    and TrackerError when the server refuses. The calendar is read in one transaction,
    the server called with none open, and the target recorded in a second one.
    """
    with db.unit_of_work() as session:
        row = find_calendar(session, token)
        if row.feed_stale or row.feed_fingerprint != renderer_fingerprint() or not row.feed_body:
            render_feed(session, row)
        old = _copy_of(row)
        body, sequence = row.feed_body or b"", row.sequence
    try:
        collection_url = check_collection_url(collection_url)
        if not allow_private_hosts:
            check_public_host(collection_url)
    except ValueError as err:
        raise InvalidInput(str(err), field="url") from None
    secret_password = crypto.encrypt(app_secret, password)  # SecretMissing before any request goes out
    previous: list[str] = list(old.resources) if old is not None else []
    if old is not None and old.url != collection_url and old.resources:
        # Moving to another collection: take our events out of the old one first.
        _remove_copy(old, app_secret)
        previous = []
    client = CalDavClient(collection_url, username, password)
    for _ in range(MAX_REPUSHES):
        outcome = _push_checked(client, body, previous)
        with db.unit_of_work() as session:
            stored = repo.by_token_hash(session, hash_token(token))
            if stored is not None and stored.revoked_at is None:
                stored.caldav_url = collection_url
                stored.caldav_username = username
                stored.caldav_password = secret_password
                stored.caldav_resources = outcome.written
                stored.caldav_pushed_at = clock.now_s()
                if stored.sequence == sequence:
                    return view(session, stored)
                # The plan changed meanwhile: push the newer feed too.
                body, sequence, previous = stored.feed_body or b"", stored.sequence, outcome.written
                continue
        # Revoked meanwhile: take back what this push wrote, then answer as for a revoked token.
        _remove_copy(
            CalDavCopy("", 0, collection_url, username, secret_password, tuple(outcome.written), b""),
            app_secret,
        )
        raise Gone("this calendar was revoked", field="token")
    with db.unit_of_work() as session:
        return view(session, find_calendar(session, token))


def _push_checked(client: CalDavClient, feed_body: bytes, previous: list[str]) -> CalDavOutcome:
    try:
        return client.push(ical.resources(feed_body), previous)
    except TrackerError as err:
        # The person's own input is at fault for these; name the field instead of a 502.
        if err.status in (401, 403):
            raise InvalidInput(
                "the CalDAV server refused this username and password", field="password"
            ) from err
        if err.status in (404, 405, 409):
            raise InvalidInput("no calendar collection at this URL", field="url") from err
        raise

"""The private management page's use cases: what it shows, and change, sync, push, disconnect.

One page serves both things a manage token can open: an installation a person
connected from /connect, and a calendar subscribed on its own. The token is never
stored; its SHA-256 finds the row, and the calendar's feed token is derived from it
(``calendar_lookup.feed_token_of``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin import clock, crypto, manifests, outbound
from plugin.catalog.model import Plan
from plugin.errors import InvalidInput, NotFound
from plugin.services import adherence, caldav, calendar_lookup, installations, pushes, sync
from plugin.services import calendars as calendar_service
from plugin.services import strava as strava_service
from plugin.services.adherence import AdherenceReport
from plugin.services.calendar_lookup import CalDavState, feed_token_of, hash_token
from plugin.services.connections import takes_pushes, tracker_answer
from plugin.services.sessions import StoredSession, list_sessions
from plugin.store import installations as installation_repo
from plugin.store.db import Database
from plugin.store.installations import InstallationRow
from plugin.store.pushes import DELIVERED, FAILED, PushRow
from plugin.store.tables import utc
from plugin.trackers.base import TrackerError

DAYS = 30  # the adherence chart's and the session list's window, as on the adherence page
PUSHES_SHOWN = 10
FINISHED = (DELIVERED, FAILED)


@dataclass(frozen=True)
class PushShown:
    id: str
    routines: list[str]
    status: str
    attempts: int
    created_at: datetime | None
    finished_at: datetime | None
    due_at: datetime | None
    error: str | None  # the tracker's reason, short and sanitized

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


@dataclass(frozen=True)
class Managed:
    """Everything the management page shows; never a secret but the token it was opened with."""

    kind: str  # "installation" or "calendar"
    feed_token: str
    plan_spec: dict[str, Any]
    plan: Plan | None
    report: AdherenceReport
    tracker: str | None = None
    tracker_name: str | None = None
    base_url: str | None = None
    sync_mode: str | None = None  # "pull", "webhook" or None (nothing comes back)
    last_synced_at: datetime | None = None
    next_sync_at: datetime | None = None
    pushes: tuple[PushShown, ...] = ()
    sessions: tuple[StoredSession, ...] = ()
    caldav: CalDavState | None = None
    strava_connected: bool = False
    takes_pushes: bool = False


def _installation(session: Session, manage_token: str) -> InstallationRow | None:
    return installation_repo.by_manage_token_hash(session, hash_token(manage_token))


def show(session: Session, manage_token: str, now: datetime | None = None) -> Managed:
    """What a manage token opens; NotFound for an unknown token, Gone for a revoked calendar."""
    row = _installation(session, manage_token)
    if row is None:
        calendar = calendar_lookup.find_managed_calendar(session, manage_token)
        shown = calendar_lookup.view(session, calendar)
        # Sessions marked done from its events live in an installation of its own, if any.
        own = calendar.installation_id
        since = (now or clock.now()) - timedelta(days=DAYS)
        return Managed(
            kind="calendar",
            feed_token=feed_token_of(manage_token),
            plan_spec=shown.spec,
            plan=shown.plan,
            report=adherence.report(session, shown.plan, own, DAYS, now),
            sessions=tuple(reversed(list_sessions(session, own, start=since))) if own else (),
            caldav=shown.caldav,
        )
    plan = installations.plan_of(session, row)
    manifest = manifests.all_manifests().get(row.tracker, {})
    mode = manifest.get("import", {}).get("mode")
    last = utc(row.last_synced_at)
    next_sync = None
    if mode == "pull":
        interval = timedelta(seconds=manifest["import"].get("pollingIntervalS", 900))
        next_sync = last + interval if last is not None else clock.now()
    since = (now or clock.now()) - timedelta(days=DAYS)
    owned = calendar_lookup.installation_calendar(session, row.id)
    return Managed(
        kind="installation",
        feed_token=feed_token_of(manage_token),
        plan_spec=installations.plan_spec(session, row) or {},
        plan=plan,
        report=adherence.report(session, plan, row.id, DAYS, now),
        tracker=row.tracker,
        tracker_name=str(manifest.get("name") or row.tracker),
        base_url=row.base_url,
        sync_mode=mode if mode in ("pull", "webhook") else None,
        last_synced_at=last,
        next_sync_at=next_sync,
        pushes=tuple(_shown(p) for p in _latest_pushes(session, row.id)),
        sessions=tuple(reversed(list_sessions(session, row.id, start=since))),
        strava_connected=bool(strava_service.strava_state(row).get("athlete_id")),
        takes_pushes=takes_pushes(row.tracker),
        caldav=calendar_lookup.view(session, owned).caldav if owned is not None else None,
    )


def _latest_pushes(session: Session, installation_id: str) -> list[PushRow]:
    query = (
        select(PushRow)
        .where(PushRow.installation_id == installation_id)
        .order_by(PushRow.created_at.desc())
        .limit(PUSHES_SHOWN)
    )
    return list(session.scalars(query))


def _shown(row: PushRow) -> PushShown:
    error = None
    if row.last_error:
        error = tracker_answer(TrackerError(row.last_error))
    return PushShown(
        id=row.id,
        routines=list(row.routines or []),
        status=row.status,
        attempts=row.attempts,
        created_at=utc(row.created_at),
        finished_at=utc(row.finished_at),
        due_at=utc(row.due_at),
        error=error,
    )


def push_status(session: Session, manage_token: str, push_id: str) -> PushShown:
    """One push of the installation this token opens; NotFound for any other."""
    row = _installation(session, manage_token)
    if row is None:
        raise NotFound("no such push", field="push")
    return _shown(pushes.status(session, row.id, push_id))


def installation_id_of(session: Session, manage_token: str) -> str:
    """The installation this token opens; NotFound for an unknown token or a calendar's."""
    row = _installation(session, manage_token)
    if row is None:
        raise NotFound("no such installation", field="token")
    return row.id


def change_plan(
    db: Database,
    keys: crypto.Keyring,
    manage_token: str,
    fields: Mapping[str, Any],
    enqueue: Callable[[str], object],
) -> str | None:
    """Change the plan (same rules as everywhere); an installation's routines are pushed again.

    Returns the new push's id, if one was made. A calendar's CalDAV copy follows the change.
    """
    with db.unit_of_work() as session:
        row = _installation(session, manage_token)
        if row is not None:
            owned = calendar_lookup.installation_calendar(session, row.id)
            if owned is None:
                raise NotFound("this connection has no plan", field="token")
            calendar_service.change_plan(session, owned, fields, keys)
            if not takes_pushes(row.tracker):
                return None
            routines = list(installations.plan_spec(session, row)["routines"])  # type: ignore[index]
            return pushes.create_push(session, row.id, routines, enqueue).id
    calendar_service.update_calendar(db, manage_token, fields, keys)
    return None


def push_again(session: Session, manage_token: str, enqueue: Callable[[str], object]) -> str:
    """Push the plan's routines again; the push's id."""
    row = _installation(session, manage_token)
    if row is None or not takes_pushes(row.tracker):
        raise NotFound("nothing to push here", field="token")
    spec = installations.plan_spec(session, row)
    if not spec:
        raise InvalidInput("there is no plan to push", field="routines")
    return pushes.create_push(session, row.id, list(spec["routines"]), enqueue).id


def sync_now(db: Database, keys: crypto.Keyring, manage_token: str, lookback: timedelta) -> dict[str, int]:
    """Pull completed sessions now (no transaction open during the call); the counts."""
    with db.unit_of_work() as session:
        installation_id = installation_id_of(session, manage_token)
    return sync.sync(db, keys, installation_id, lookback)


def copy_to_caldav(
    db: Database,
    keys: crypto.Keyring,
    manage_token: str,
    collection_url: str,
    username: str,
    password: str,
    policy: outbound.Policy | None = None,
) -> None:
    """Copy the calendar this token opens (a connection's, or one of its own) to a CalDAV collection.

    A connection's calendar has no manage token of its own and no HTTP call of the API:
    this page is the way to it (docs/icalendar.md#read-and-manage-tokens). The server is
    called with no transaction open; InvalidInput names ``url`` or ``password``.
    """
    if not (collection_url and username and password):
        missing = next(
            n for n, v in (("url", collection_url), ("username", username), ("password", password)) if not v
        )
        raise InvalidInput("the calendar address, username and password are all needed", field=missing)
    with db.unit_of_work() as session:
        row = _installation(session, manage_token)
        if row is None:
            calendar_id = calendar_lookup.find_managed_calendar(session, manage_token).id
        else:
            owned = calendar_lookup.installation_calendar(session, row.id)
            if owned is None:
                raise NotFound("this connection has no calendar", field="token")
            calendar_id = owned.id
    caldav.push_calendar_caldav(db, calendar_id, collection_url, username, password, keys, policy)


def disconnect(session: Session, keys: crypto.Keyring, manage_token: str) -> str:
    """Uninstall with everything of it erased, or revoke the calendar; what was disconnected.

    ``session`` comes from a unit of work: CalDAV copies are deleted after it commits.
    """
    row = _installation(session, manage_token)
    if row is not None:
        installations.uninstall(session, row.id, keys)
        return "installation"
    calendar_service.revoke_calendar(session, manage_token, keys)
    return "calendar"


def strava_ticket(session: Session, keys: crypto.Keyring, manage_token: str) -> str:
    """A ticket for the Strava connect link of the installation this token opens."""
    row = _installation(session, manage_token)
    if row is None or row.tracker != "strava":
        raise NotFound("no Strava connection here", field="token")
    return strava_service.connect_ticket(keys, row.id, False)

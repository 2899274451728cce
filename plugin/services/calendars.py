"""Calendar subscriptions: subscribe, show, change the plan, revoke.

The plan lookups are in plugin.services.calendar_lookup, the feed in plugin.services.feeds
and the CalDAV copy in plugin.services.caldav.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from plugin import clock, crypto
from plugin.catalog.model import Plan
from plugin.formats import ical
from plugin.ids import new_id
from plugin.services import calendar_done
from plugin.services.caldav import _copy_of, _remove_copy, _repush
from plugin.services.calendar_lookup import (
    CalendarView,
    feed_token_of,
    find_calendar,
    find_managed_calendar,
    hash_token,
    normalise_spec,
    plan_from_spec,
    view,
)
from plugin.services.feeds import render_feed
from plugin.store import calendars as repo
from plugin.store import uow
from plugin.store.calendars import CalendarRow
from plugin.store.db import Database

TOKEN_BYTES = 32  # 256 bits from the OS's CSPRNG; the issue asks for at least 128


@dataclass(frozen=True)
class CreatedCalendar:
    token: str  # the feed token: shown once; only its hash is stored
    calendar_id: str
    plan: Plan
    # Changes and revokes a calendar subscribed on its own; None for an installation's calendar.
    manage_token: str | None = None


def new_token() -> str:
    """A fresh secret token (a manage token; a feed token is derived from one)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def create_calendar(
    session: Session,
    plan_fields: Mapping[str, Any],
    installation_id: str | None = None,
    now: datetime | None = None,
    manage_token: str | None = None,
) -> CreatedCalendar:
    """Check the plan, store the subscription and its rendered feed; nothing is stored if invalid.

    The feed token is derived from ``manage_token`` (a new one when not given). A calendar
    an installation owns keeps no manage token hash: it is changed through the installation.
    """
    now = now or clock.now_s()
    tzid = plan_fields.get("timezone")
    today = None
    if isinstance(tzid, str) and ical.is_timezone(tzid):
        today = now.astimezone(ZoneInfo(tzid)).date()
    spec = normalise_spec(session, plan_fields, today)
    manage_token = manage_token or new_token()
    token = feed_token_of(manage_token)
    owned = installation_id is not None
    row = CalendarRow(
        id=new_id(),
        token_hash=hash_token(token),
        manage_token_hash=None if owned else hash_token(manage_token),
        installation_id=installation_id,
        spec=spec,
        sequence=0,
        created_at=now,
        changed_at=now,
    )
    render_feed(session, row, now=now)
    repo.add(session, row)
    return CreatedCalendar(
        token=token,
        calendar_id=row.id,
        plan=plan_from_spec(session, spec),
        manage_token=None if owned else manage_token,
    )


def show_calendar(session: Session, token: str) -> CalendarView:
    """The plan behind a feed token."""
    return view(session, find_calendar(session, token))


def show_managed_calendar(session: Session, manage_token: str) -> CalendarView:
    """The plan behind a manage token."""
    return view(session, find_managed_calendar(session, manage_token))


def update_calendar(
    db: Database,
    manage_token: str,
    changes: Mapping[str, Any],
    keys: crypto.Keyring,
    now: datetime | None = None,
) -> CalendarView:
    """Change the plan; a real change bumps SEQUENCE and re-renders, and re-pushes to CalDAV.

    The change commits first; the CalDAV server is called after, with no transaction
    open, and its failure is reported in ``caldav_error`` while the change stands.
    """
    with db.unit_of_work() as session:
        row = find_managed_calendar(session, manage_token)
        changed = _set_plan(session, row, changes, now)
        copy = _copy_of(row) if changed else None
        found = view(session, row)
    if copy is None:
        return found
    error = _repush(db, copy, keys)
    with db.unit_of_work() as session:
        stored = repo.by_id(session, copy.calendar_id)
        if stored is None or stored.revoked_at is not None:
            return replace(found, caldav_error=error)  # revoked meanwhile: the change was answered
        return view(session, stored, error)


def change_plan(
    session: Session,
    row: CalendarRow,
    changes: Mapping[str, Any],
    keys: crypto.Keyring,
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
            work.after_commit(partial(_repush, work.database, copy, keys))
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


def revoke_calendar(session: Session, manage_token: str, keys: crypto.Keyring) -> None:
    """Revoke the calendar: the feed answers 410, the plan is erased, pushed CalDAV events are deleted.

    Takes the manage token (never the feed token). The events are deleted after the
    revocation commits (``session`` comes from a unit of work). Sessions marked done
    from a calendar of its own go with it (``calendar_done``); a tracker's installation
    keeps its own.
    """
    row = find_managed_calendar(session, manage_token)
    if calendar_done.erase_own_sessions(session, row.installation_id):
        row.installation_id = None
    _revoke(session, row, keys)


def erase_installation_calendars(session: Session, installation_id: str, keys: crypto.Keyring) -> int:
    """Revoke every calendar an installation owns (on uninstall); returns how many."""
    rows = repo.of_installation(session, installation_id)
    for row in rows:
        _revoke(session, row, keys)
        row.installation_id = None  # the installation is gone; keep no link to it
    return len(rows)


def _revoke(session: Session, row: CalendarRow, keys: crypto.Keyring) -> None:
    copy = _copy_of(row)
    if copy is not None and copy.resources:
        # Revoking must not depend on a calendar server: it commits, the clean-up follows.
        uow.after_commit(session, partial(_remove_copy, copy, keys))
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

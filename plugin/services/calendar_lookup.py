"""Finding a calendar and its plan: the token's row, the plan a stored spec describes, and
what the API may show about a row. What the subscriptions, the feed and CalDAV all need.

Every plan is checked by ``normalise_spec`` through the plan rules
(plugin.schemas.plans), so that every caller, such as a tracker installation's
schedule, gets the same checks and the same names for the field at fault.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from plugin import clock, i18n
from plugin.catalog.model import Plan
from plugin.errors import Gone, NotFound
from plugin.i18n import N_
from plugin.schemas import plans
from plugin.services.routines import check_routine_ids, get_routine
from plugin.store import calendars as repo
from plugin.store.calendars import CalendarRow, utc


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


# The feed token a manage token opens is derived from it, so a management page can show the
# calendar link without any token kept in the clear; the way back (feed to manage) is HMAC's
# one-wayness, so a calendar app holding the feed URL cannot change or revoke the calendar.
_FEED_LABEL = b"stretchsync feed token v1"


def feed_token_of(manage_token: str) -> str:
    """The feed token that belongs to ``manage_token``: HMAC-SHA256 of a fixed label, base64url."""
    digest = hmac.new(manage_token.encode("utf-8"), _FEED_LABEL, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


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
        language=spec.get("language", i18n.DEFAULT),
    )


def load_plan(session: Session, calendar_id: str) -> Plan:
    """The Plan of a live calendar by its public id; NotFound or Gone otherwise."""
    return plan_from_spec(session, live_calendar(session, calendar_id).spec or {})


def live_calendar(session: Session, calendar_id: str) -> CalendarRow:
    """The live calendar of a public id; NotFound or Gone otherwise."""
    row = repo.by_id(session, calendar_id)
    if row is None:
        raise NotFound(N_("no calendar '{calendar}'"), field="calendar", values={"calendar": calendar_id})
    return _live(row)


def _live(row: CalendarRow) -> CalendarRow:
    if row.revoked_at is not None:
        # Nothing about the plan: the row keeps no plan once revoked.
        raise Gone(N_("this calendar was revoked"), field="token")
    return row


def find_calendar(session: Session, token: str) -> CalendarRow:
    """The live subscription of ``token``; NotFound when unknown, Gone when revoked."""
    row = repo.by_token_hash(session, hash_token(token))
    if row is None:
        raise NotFound(N_("no such calendar"), field="token")
    return _live(row)


def find_managed_calendar(session: Session, manage_token: str) -> CalendarRow:
    """The live calendar subscribed on its own whose manage token this is.

    NotFound for any other token, a feed token included (it only reads). A calendar a
    tracker's installation owns has no manage token (it is changed through its installation
    only); a calendar of its own keeps its token when its Mark-as-done sessions give it an
    installation of its own (plugin.services.calendar_done). Gone when revoked.
    """
    row = repo.by_manage_token_hash(session, hash_token(manage_token))
    if row is None:
        raise NotFound(N_("no such calendar"), field="token")
    return _live(row)


def installation_calendar(session: Session, installation_id: str) -> CalendarRow | None:
    """The live calendar an installation's plan lives in, if it has a plan."""
    owned = repo.of_installation(session, installation_id)
    return owned[0] if owned else None


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

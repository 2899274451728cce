"""Marking a session done from the calendar: the page a "Mark as done" link opens, and recording it.

The link (plugin.services.done_links) names a calendar and a routine. The page offers
that routine's occurrences of the last ``PICK_DAYS`` days (the one nearest to now first
chosen) with the routine's cautions; recording stores a completed session through the one
import path (``sessions.sync_session``), keyed by the occurrence, so a second click changes
the same record. A calendar subscribed on its own has no tracker installation to keep
sessions in: the first mark gives it one of its own (tracker ``calendar``), which its
revocation erases with its sessions (docs/pages.md#mark-as-done).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plugin import clock, crypto, security
from plugin.catalog.model import CompletedSession, Plan, Routine
from plugin.errors import Gone, InvalidInput, NotFound
from plugin.formats import weekly
from plugin.i18n import N_, phrase
from plugin.services import done_links, plan_state, schedule
from plugin.services import sessions as session_service
from plugin.services.calendar_lookup import plan_from_spec
from plugin.store import calendars as repo
from plugin.store import installations as installation_repo
from plugin.store import sessions as session_repo
from plugin.store.calendars import CalendarRow
from plugin.store.installations import InstallationRow
from plugin.store.sessions import SessionRow

# The source of the sessions marked done here, and the tracker of a calendar's own installation.
SOURCE = "calendar"
PICK_DAYS = 7  # the occurrences a person can pick from: today and the 6 days before
MAX_NOTES = 2000
PAIN_RANGE = range(0, 11)
# Read on the page in its language (plugin.i18n.in_current); raised in English.
PICK_ONE = phrase(N_("pick one of the planned times of the last {days} days"), days=PICK_DAYS)
PAIN_SCALE = phrase(N_("pain is a whole number from 0 (none) to 10 (worst)"))
NOTES_TOO_LONG = phrase(N_("notes are at most {most} characters"), most=MAX_NOTES)


@dataclass(frozen=True)
class Recorded:
    """What was recorded for an occurrence."""

    pain: int | None
    notes: str


@dataclass(frozen=True)
class Choice:
    """An occurrence of the routine the person can mark done."""

    local: datetime  # naive wall-clock time in the plan's timezone: the form's value
    starts_at: datetime  # the instant (docs/icalendar.md#clock-changes)
    recorded: Recorded | None

    @property
    def value(self) -> str:
        return self.local.strftime("%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class DonePage:
    """What the "Mark as done" page shows."""

    calendar_name: str
    timezone: str
    routine: Routine
    choices: list[Choice]  # newest first
    chosen: Choice | None  # the one asked for, else the one nearest to now
    # The routine as planned on the chosen occurrence's day (today without one): that
    # week's dose, and a hold's warning as its notice, as the calendar event has them.
    planned: Routine
    week: int
    weeks: int


def open_link(
    session: Session, keys: Sequence[bytes], calendar_id: str, routine_id: str, signature: str
) -> tuple[CalendarRow, Plan, Routine]:
    """The calendar, plan and routine a link names; NotFound for a forged or foreign link, Gone once revoked.

    The signature is checked before anything else is told, so a forged link learns
    nothing, not even whether the calendar exists or was revoked.
    """
    if not done_links.is_valid(keys, calendar_id, routine_id, signature):
        raise NotFound("no such link", field="link")
    row = repo.by_id(session, calendar_id)
    if row is None:
        raise NotFound("no such link", field="link")
    if row.revoked_at is not None:
        raise Gone("this calendar was revoked", field="link")
    plan = plan_from_spec(session, row.spec or {})
    routine = next((r for r in plan.routines if r.id == routine_id), None)
    if routine is None:
        raise NotFound("this routine is no longer in the calendar", field="link")
    return row, plan, routine


def source_id(calendar_id: str, routine_id: str, local: datetime) -> str:
    """The idempotency key of a mark: one record per calendar, routine and occurrence."""
    return f"{calendar_id}/{routine_id}/{local:%Y-%m-%dT%H:%M}"


def choices(session: Session, row: CalendarRow, plan: Plan, routine: Routine, now: datetime) -> list[Choice]:
    """The routine's occurrences of the last ``PICK_DAYS`` days that have begun, newest first.

    "Begun" allows the import's clock skew: a session may be marked a few minutes early.
    """
    zone = ZoneInfo(plan.timezone)
    today = now.astimezone(zone).date()
    latest = now + session_service.CLOCK_SKEW
    found = []
    for occurrence in schedule.occurrences(plan, today - timedelta(days=PICK_DAYS - 1), today):
        starts_at = occurrence.starts_at.astimezone(UTC)
        if occurrence.routine_id != routine.id or starts_at > latest:
            continue
        local = occurrence.starts_at.replace(tzinfo=None)
        recorded = None
        if row.installation_id is not None:
            stored = session_repo.by_source(
                session, row.installation_id, SOURCE, source_id(row.id, routine.id, local)
            )
            if stored is not None:
                recorded = Recorded(stored.pain, stored.notes or "")
        found.append(Choice(local, starts_at, recorded))
    return sorted(found, key=lambda c: c.starts_at, reverse=True)


def done_page(
    session: Session,
    keys: Sequence[bytes],
    calendar_id: str,
    routine_id: str,
    signature: str,
    at: str | None = None,
    now: datetime | None = None,
) -> DonePage:
    """The page of a link: the routine, the occurrences to pick from, and the one chosen."""
    now = now or clock.now()
    row, plan, routine = open_link(session, keys, calendar_id, routine_id, signature)
    offered = choices(session, row, plan, routine, now)
    chosen = next((c for c in offered if c.value == at), None)
    if chosen is None and offered:
        chosen = min(offered, key=lambda c: abs(c.starts_at - now))
    progress = plan_state.plan_progress(session, plan, row.installation_id, now)
    day = chosen.local.date() if chosen is not None else plan_state.today_of(plan, now)
    planned = weekly.routine_on(routine, progress, day)
    return DonePage(
        plan.name, plan.timezone, routine, offered, chosen, planned, progress.at(day).week, progress.weeks
    )


def read_pain(value: str) -> int | None:
    """The form's pain score: empty for none, else a whole number 0-10; InvalidInput naming ``pain``."""
    value = value.strip()
    if not value:
        return None
    # isascii: str.isdigit also takes "²", which int() refuses; and 0-10 needs 2 digits at most.
    if not (value.isascii() and value.isdigit() and len(value) <= 2) or int(value) not in PAIN_RANGE:
        raise InvalidInput(PAIN_SCALE, field="pain")
    return int(value)


def record_done(
    session: Session,
    keys: Sequence[bytes],
    keyring: crypto.Keyring,
    calendar_id: str,
    routine_id: str,
    signature: str,
    *,
    occurrence: str,
    pain: str,
    notes: str,
    now: datetime | None = None,
) -> tuple[Choice, str]:
    """Record the routine done at ``occurrence`` (a value of the page's choices).

    Returns the occurrence and the import's outcome ("created", "updated" or "unchanged").
    InvalidInput names ``occurrence``, ``pain`` or ``notes``; nothing is stored then.
    """
    now = now or clock.now()
    row, plan, routine = open_link(session, keys, calendar_id, routine_id, signature)
    chosen = next((c for c in choices(session, row, plan, routine, now) if c.value == occurrence), None)
    if chosen is None:
        raise InvalidInput(PICK_ONE, field="occurrence")
    score = read_pain(pain)
    notes = notes.strip()
    if len(notes) > MAX_NOTES:
        raise InvalidInput(NOTES_TOO_LONG, field="notes")
    owner = row.installation_id or _own_installation(session, row, keyring)
    completed = CompletedSession(
        source=SOURCE,
        source_id=source_id(row.id, routine.id, chosen.local),
        routine_id=routine.id,
        started_at=chosen.starts_at,
        duration_s=routine.duration_s,
        pain=score,
        notes=notes,
    )
    raw = {"occurrence": chosen.value, "timezone": plan.timezone, "pain": score, "notes": notes}
    _, outcome = session_service.sync_session(session, owner, completed, raw, now)
    return Choice(chosen.local, chosen.starts_at, Recorded(score, notes)), outcome


def _own_installation(session: Session, row: CalendarRow, keyring: crypto.Keyring) -> str:
    """Give a calendar of its own an installation to keep its sessions in; its id.

    No host ever signs as it: its shared secret is random and never shown. Two first marks
    at once (a double click reaching two workers) share one: the client key is unique, so
    the later one waits for the first, then takes the installation it made.
    """
    client_key = f"{SOURCE}:{row.id}"
    own = InstallationRow(
        client_key=client_key,
        tracker=SOURCE,
        base_url="",
        secret_enc=keyring.encrypt(security.generate_secret()),
        credentials_enc=keyring.encrypt("{}"),
        tracker_state={},
    )
    try:
        with session.begin_nested():
            session.add(own)
    except IntegrityError:
        made = installation_repo.by_client_key(session, client_key)
        if made is None:
            raise
        own = made
    row.installation_id = own.id
    session.flush()  # the import's stale mark finds the calendar by its installation
    return own.id


def erase_own_sessions(session: Session, installation_id: str | None) -> bool:
    """On revocation: erase the calendar's own installation and its sessions; False for a tracker's."""
    if installation_id is None:
        return False
    own = session.get(InstallationRow, installation_id)
    if own is None or own.tracker != SOURCE:
        return False
    session.execute(delete(SessionRow).where(SessionRow.installation_id == installation_id))
    session.delete(own)
    return True

"""Completed sessions: the single path every source stores them through, and reading them back."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Row, delete
from sqlalchemy.orm import Session

from plugin import catalog, clock
from plugin.catalog.model import Caution, CautionKind, CompletedSession, ExerciseDone
from plugin.errors import InvalidInput, NotFound
from plugin.formats import fit
from plugin.formats import session as session_format
from plugin.formats.text import PAIN_STOP_LEVEL, pain_advice
from plugin.i18n import N_
from plugin.ids import new_id
from plugin.schemas.sessions import ExerciseDoneSchema
from plugin.services import feeds
from plugin.services.routines import get_routine, list_routines
from plugin.store import sessions as repo
from plugin.store.sessions import SessionRow
from plugin.store.tables import utc

# The stored column holds what the API shows: one schema writes both.
EXERCISES_DONE = ExerciseDoneSchema(many=True)
SOURCE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
MAX_DURATION_S = 24 * 3600
CLOCK_SKEW = timedelta(minutes=15)  # a session may not start later than now plus this
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
SIDES = (None, "left", "right")
FOREIGN_EXERCISE = re.compile(r"^[a-z][a-z0-9_-]{0,31}:\S{1,100}$")


def check(session: Session, completed: CompletedSession, now: datetime) -> None:
    """Refuse a session no source could have recorded; InvalidInput names the field."""
    if not SOURCE.match(completed.source):
        raise InvalidInput(N_("source is 1-32 lowercase letters, digits, - or _"), field="source")
    if not 1 <= len(completed.source_id) <= 200:
        raise InvalidInput(N_("source_id is 1-200 characters"), field="source_id")
    if completed.routine_id is not None:
        try:
            get_routine(session, completed.routine_id)
        except NotFound:
            raise InvalidInput(
                N_("unknown routine '{routine}'"), field="routine", values={"routine": completed.routine_id}
            ) from None
    if completed.started_at.tzinfo is None:
        raise InvalidInput(N_("started_at needs a UTC offset"), field="started_at")
    if completed.started_at > now + CLOCK_SKEW:
        raise InvalidInput(N_("a completed session cannot start in the future"), field="started_at")
    if completed.started_at < EARLIEST:
        raise InvalidInput(N_("started_at is before 2000"), field="started_at")
    if not 0 <= completed.duration_s <= MAX_DURATION_S:
        raise InvalidInput(
            N_("duration_s is 0-{most} seconds"), field="duration_s", values={"most": MAX_DURATION_S}
        )
    if completed.pain is not None and not 0 <= completed.pain <= 10:
        raise InvalidInput(N_("pain is a score from 0 to 10"), field="pain")
    for i, done in enumerate(completed.exercises):
        _check_exercise(i, done)


def _check_exercise(i: int, done: ExerciseDone) -> None:
    # "<source>:<their id>" names something done that maps to none of ours (e.g. "fit:plank/0"):
    # kept as recorded, so nothing a person did is dropped.
    if not FOREIGN_EXERCISE.match(done.exercise_id):
        try:
            catalog.exercise(done.exercise_id)
        except NotFound:
            raise InvalidInput(
                N_("unknown exercise '{exercise}'"),
                field=f"exercises.{i}.exercise",
                values={"exercise": done.exercise_id},
            ) from None
    for name in session_format.EXERCISE_FIELDS:
        value = getattr(done, name)
        if value is not None and not 0 <= value <= MAX_DURATION_S:
            raise InvalidInput(
                N_("{field} must be between 0 and {most}"),
                field=f"exercises.{i}.{name}",
                values={"field": name, "most": MAX_DURATION_S},
            )
    if done.side not in SIDES:
        raise InvalidInput(N_("side is left, right or absent"), field=f"exercises.{i}.side")


def import_session(
    db_session: Session,
    installation_id: str,
    completed: CompletedSession,
    raw: bytes | dict | list | None,
    now: datetime | None = None,
) -> tuple[SessionRow, bool]:
    """Store a completed session once; a repeat of its (source, source id) returns the stored one.

    Returns (record, created). Raises InvalidInput (nothing stored) for a session
    that breaks a rule. Concurrent imports of the same session store one record:
    the unique constraint decides, through INSERT … ON CONFLICT DO NOTHING.
    """
    check(db_session, completed, now or clock.now())
    existing = repo.by_source(db_session, installation_id, completed.source, completed.source_id)
    if existing is not None:
        return existing, False
    values = {
        "id": new_id(),
        "installation_id": installation_id,
        "source": completed.source,
        "source_id": completed.source_id,
        "routine_id": completed.routine_id,
        "started_at": completed.started_at.astimezone(UTC),  # SQLite keeps no offset
        "duration_s": completed.duration_s,
        "exercises": EXERCISES_DONE.dump(completed.exercises),
        "pain": completed.pain,
        "notes": completed.notes,
        "flagged": completed.pain is not None and completed.pain >= PAIN_STOP_LEVEL,
        "raw_json": raw if isinstance(raw, dict | list) else None,
        "raw_bytes": bytes(raw) if isinstance(raw, bytes | bytearray) else None,
        "created_at": clock.now(),
    }
    if repo.insert_once(db_session, values):
        _feed_changed(db_session, installation_id)
        return SessionRow(**values), True  # what was just stored, without reading it back
    row = repo.by_source(db_session, installation_id, completed.source, completed.source_id)
    assert row is not None  # a concurrent import of the same session won the race
    return row, False


def sync_session(
    db_session: Session,
    installation_id: str,
    completed: CompletedSession,
    raw: bytes | dict | list | None,
    now: datetime | None = None,
) -> tuple[SessionRow, str]:
    """Store a session a tracker reports, or bring the stored one up to date in place.

    For sources that edit what they sent (a wger session with logs added later, a Hevy
    workout updated, a Strava activity renamed): the record keeps its id, so links,
    the feed's done marks and adherence follow it. Returns (record, outcome) with
    outcome "created", "updated" or "unchanged". The same rules as ``import_session``.
    """
    check(db_session, completed, now or clock.now())
    existing = repo.by_source(db_session, installation_id, completed.source, completed.source_id)
    if existing is None:
        row, created = import_session(db_session, installation_id, completed, raw, now)
        return row, "created" if created else "unchanged"
    changes = {
        "routine_id": completed.routine_id,
        "started_at": completed.started_at.astimezone(UTC),
        "duration_s": completed.duration_s,
        "exercises": EXERCISES_DONE.dump(completed.exercises),
        "pain": completed.pain,
        "notes": completed.notes,
        "flagged": completed.pain is not None and completed.pain >= PAIN_STOP_LEVEL,
    }
    current = {**{name: getattr(existing, name) for name in changes}, "started_at": utc(existing.started_at)}
    if current == changes:
        return existing, "unchanged"
    for name, value in changes.items():
        setattr(existing, name, value)
    existing.raw_json = raw if isinstance(raw, dict | list) else None
    existing.raw_bytes = bytes(raw) if isinstance(raw, bytes | bytearray) else None
    _feed_changed(db_session, installation_id)  # show the change
    return existing, "updated"


def import_fit_activity(db_session: Session, installation_id: str, data: bytes) -> tuple[SessionRow, bool]:
    """Read a FIT activity file (Garmin's decoder) and store its session through import_session."""
    completed = fit.parse_activity(data, list_routines(db_session))
    return import_session(db_session, installation_id, completed, data)


def delete_session(db_session: Session, installation_id: str, source: str, source_id: str) -> bool:
    """Forget a session the tracker reports deleted; False when it was not stored."""
    result = cast(
        CursorResult,
        db_session.execute(
            delete(SessionRow).where(
                SessionRow.installation_id == installation_id,
                SessionRow.source == source,
                SessionRow.source_id == source_id,
            )
        ),
    )
    if result.rowcount:
        _feed_changed(db_session, installation_id)
    return bool(result.rowcount)


def _feed_changed(db_session: Session, installation_id: str) -> None:
    """Let the installation's feed show a stored or deleted session: mark it stale, render nothing.

    The import never waits for a feed. The first import of a burst (the one that sets the
    mark) has a rebuild job queued once it commits, delayed so that the burst's other
    sessions share it; the next fetch or the worker's sweep rebuilds it too if that is sooner.
    """
    if feeds.mark_installation_stale(db_session, installation_id):
        feeds.feed_went_stale(db_session, installation_id)


def completed_of(row: SessionRow | Row[Any]) -> CompletedSession:
    """The stored record as the domain model."""
    return repo.completed(row)


@dataclass(frozen=True)
class PainCaution:
    """What a session with pain at the stop level is answered with: the advice and the stop rules."""

    pain: int
    advice: str
    stop_rules: tuple[Caution, ...]


@dataclass(frozen=True, kw_only=True)
class StoredSession(CompletedSession):
    """A stored completed session: what was recorded and what the plugin made of it."""

    id: str
    flagged: bool
    caution: PainCaution | None
    received_at: datetime


def stop_caution(db_session: Session, row: SessionRow | Row[Any]) -> PainCaution | None:
    """For a session with pain at the stop level: the routine's stop rules and the advice."""
    if not row.flagged:
        return None
    rules: tuple[Caution, ...] = ()
    if row.routine_id:
        routine = get_routine(db_session, row.routine_id)
        rules = tuple(c for c in routine.cautions if c.kind is CautionKind.STOP)
    pain = row.pain if row.pain is not None else PAIN_STOP_LEVEL
    return PainCaution(pain=pain, advice=pain_advice(pain), stop_rules=rules)


def stored(db_session: Session, row: SessionRow) -> StoredSession:
    """The stored record with its flag and caution (StoredSessionSchema dumps it)."""
    completed = completed_of(row)
    return StoredSession(
        **{f.name: getattr(completed, f.name) for f in fields(CompletedSession)},
        id=row.id,
        flagged=row.flagged,
        caution=stop_caution(db_session, row),
        received_at=utc(row.created_at),  # type: ignore[arg-type]
    )


def list_sessions(
    db_session: Session,
    installation_id: str,
    start: datetime | None = None,
    end: datetime | None = None,
    routine_id: str | None = None,
) -> list[StoredSession]:
    """The installation's sessions that started in [start, end), oldest first."""
    return [stored(db_session, r) for r in repo.between(db_session, installation_id, start, end, routine_id)]


def get_session(db_session: Session, installation_id: str, session_id: str) -> StoredSession:
    """One session of this installation; NotFound for any other (another installation's too)."""
    row = repo.get_for(db_session, installation_id, session_id)
    if row is None:
        raise NotFound(N_("no session '{session}'"), field="id", values={"session": session_id})
    return stored(db_session, row)

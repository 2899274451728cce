"""FHIR R4 for clinicians: plans as CarePlans, sessions as Procedures and back (docs/fhir.md).

The mapping lives in plugin.formats.fhir*; this module finds what to map and stores a
FHIR session through the one import path, services.sessions.import_session.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from plugin import catalog, i18n
from plugin.catalog.localize import localize_plan
from plugin.catalog.model import Routine
from plugin.errors import InvalidInput, NotFound
from plugin.formats import fhir, fhir_careplan, fhir_sessions
from plugin.services import calendar_lookup
from plugin.services import sessions as session_service
from plugin.services.routines import get_routine
from plugin.store import sessions as session_repo
from plugin.store.calendars import CalendarRow
from plugin.store.sessions import SessionRow


def _care_plan(session: Session, row: CalendarRow) -> bytes:
    spec = row.spec or {}
    plan = calendar_lookup.plan_from_spec(session, spec)
    with i18n.using(plan.language) as lang:  # the plan's language, as its feed
        return fhir.dumps(
            fhir_careplan.care_plan(localize_plan(plan, lang), row.id, subject=spec.get("subject"))
        )


# The answers below are application/fhir+json bodies (formats.fhir.MEDIA_TYPE), ready to send.


def care_plan_for_token(session: Session, token: str) -> bytes:
    """The CarePlan of a calendar subscription (NotFound, Gone as the feed)."""
    return _care_plan(session, calendar_lookup.find_calendar(session, token))


def care_plan_for_installation(session: Session, installation_id: str) -> bytes:
    """The CarePlan of the installation's own plan; NotFound when it has none."""
    row = calendar_lookup.installation_calendar(session, installation_id)
    if row is None:
        raise NotFound("this installation has no plan", field="plan")
    return _care_plan(session, row)


def _subject(session: Session, installation_id: str) -> dict[str, Any] | None:
    row = calendar_lookup.installation_calendar(session, installation_id)
    return (row.spec or {}).get("subject") if row is not None else None


def sessions_bundle(
    session: Session,
    installation_id: str,
    start: datetime | None = None,
    end: datetime | None = None,
    routine_id: str | None = None,
) -> bytes:
    """The installation's sessions (as GET /sessions filters them) as a searchset Bundle."""
    rows = session_repo.between(session, installation_id, start, end, routine_id)
    routines: dict[str, Routine | None] = {}
    stored = []
    for row in rows:
        if row.routine_id and row.routine_id not in routines:
            try:
                routines[row.routine_id] = get_routine(session, row.routine_id)
            except NotFound:  # a custom routine deleted since: the session still counts
                routines[row.routine_id] = None
        routine = routines.get(row.routine_id) if row.routine_id else None
        stored.append(fhir_sessions.StoredSession(row.id, session_repo.completed(row), routine))
    names = {ex.id: ex.name for ex in catalog.exercises()}
    return fhir.dumps(fhir_sessions.sessions_bundle(stored, names, _subject(session, installation_id)))


def import_bundle(session: Session, installation_id: str, body: Any) -> tuple[SessionRow, bool]:
    """Store the completed session a FHIR Bundle holds, once; InvalidInput names the FHIR element."""
    parsed = fhir_sessions.parse_bundle(body)
    try:
        return session_service.import_session(session, installation_id, parsed.completed, body)
    except InvalidInput as err:
        # The rules speak of started_at, pain …; the caller sent performedPeriod.start, valueInteger …
        raise InvalidInput(err.message, field=parsed.path_of(err.field)) from None

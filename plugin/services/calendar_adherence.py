"""Adherence reached with a calendar's private token: what the adherence page shows.

Installations have no token a person can open in a browser (a host signs every
call it makes), so the page is reached with the token of a calendar. It shows the
calendar's plan against the completed sessions of the installation that owns it;
a calendar subscribed on its own receives no sessions, so its report has nothing
done and says so (``linked`` is false). The report is the one GET /adherence answers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from plugin.services import adherence, calendar_lookup

DAYS = 30


def calendar_adherence(
    session: Session, token: str, days: int = DAYS, now: datetime | None = None
) -> adherence.AdherenceReport:
    """The adherence report of the calendar behind ``token``; NotFound or Gone from the calendar."""
    row = calendar_lookup.find_calendar(session, token)
    plan = calendar_lookup.plan_from_spec(session, row.spec or {})
    return adherence.report(session, plan, row.installation_id, days, now)

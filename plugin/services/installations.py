"""Install and uninstall: who a host is, its secret, its credentials and its plan."""

from __future__ import annotations

import json
import re
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete
from sqlalchemy.orm import Session

from plugin import crypto, manifests
from plugin.catalog.errors import InvalidInput, NotFound
from plugin.catalog.model import WEEKDAYS, Plan
from plugin.security import is_secret
from plugin.services.routines import get_routine
from plugin.store import installations as repo
from plugin.store.installations import InstallationRow, SeenWebhookRow
from plugin.store.pushes import PushRow, PushStateRow
from plugin.store.sessions import SessionRow
from plugin.trackers import registry
from plugin.trackers.base import Credentials

CLIENT_KEY = re.compile(r"^[A-Za-z0-9._:@-]{1,200}$")
DEFAULT_TIMES = ("07:00",)


def install(
    session: Session,
    secret_key: str,
    *,
    client_key: str,
    tracker: str,
    shared_secret: str,
    base_url: str,
    credentials: dict[str, Any],
    plan: dict[str, Any] | None = None,
) -> tuple[InstallationRow, bool]:
    """Store an installation, or replace the secret, credentials and plan of one with this client key.

    Returns the row and whether it is new. Nothing is stored when any field is invalid.
    """
    if not CLIENT_KEY.match(client_key):
        raise InvalidInput("clientKey is 1-200 letters, digits or ._:@-", field="clientKey")
    registry.factory(tracker)
    if not is_secret(shared_secret):
        raise InvalidInput("sharedSecret must be whsec_ and at least 24 base64 bytes", field="sharedSecret")
    if not re.match(r"^https?://[^\s/]+", base_url):
        raise InvalidInput("baseUrl must be an http(s) URL", field="baseUrl")
    for name in manifests.required_credentials(tracker):
        if credentials.get(name) in (None, ""):
            raise InvalidInput(f"{tracker} needs credentials.{name}", field=f"credentials.{name}")
    if plan is not None:
        plan = normalise_plan(session, plan)
    row = repo.by_client_key(session, client_key)
    created = row is None
    if row is None:
        row = InstallationRow(client_key=client_key, tracker_state={})
        session.add(row)
    row.tracker = tracker
    row.base_url = base_url.rstrip("/")
    row.secret_enc = crypto.encrypt(secret_key, shared_secret)
    row.credentials_enc = crypto.encrypt(secret_key, json.dumps(credentials))
    row.plan = plan
    session.flush()
    return row, created


def uninstall(session: Session, installation_id: str) -> bool:
    """Erase everything of one installation; False when there was nothing to erase."""
    # Explicit deletes rather than relying on ON DELETE CASCADE alone, so that a
    # database with foreign keys off (a SQLite connection without the pragma) erases too.
    for table in (SessionRow, PushRow, PushStateRow, SeenWebhookRow):
        session.execute(delete(table).where(table.installation_id == installation_id))
    for hook in UNINSTALL_HOOKS:
        hook(session, installation_id)
    result = session.execute(delete(InstallationRow).where(InstallationRow.id == installation_id))
    return bool(result.rowcount)


# Other modules owning per-installation rows (e.g. calendars) add their eraser here.
UNINSTALL_HOOKS: list = []


def find(session: Session, client_key: str) -> InstallationRow:
    """The installation with this client key; NotFound otherwise."""
    row = repo.by_client_key(session, client_key)
    if row is None:
        raise NotFound(f"no installation {client_key!r}", field="clientKey")
    return row


def shared_secret(row: InstallationRow, secret_key: str) -> str:
    return crypto.decrypt(secret_key, row.secret_enc)


def credentials(row: InstallationRow, secret_key: str) -> Credentials:
    """The decrypted credentials a tracker client is built from (the shared secret included)."""
    stored = json.loads(crypto.decrypt(secret_key, row.credentials_enc))
    token = stored.get("token") or stored.get("accessToken")
    return Credentials(
        base_url=row.base_url,
        token=token,
        extra={**stored, "shared_secret": shared_secret(row, secret_key)},
    )


def normalise_plan(session: Session, plan: dict[str, Any]) -> dict[str, Any]:
    """Check a plan and return it in stored form; InvalidInput naming ``plan.<field>``."""
    routines = plan.get("routines") or []
    if not isinstance(routines, list) or not routines:
        raise InvalidInput("a plan needs at least one routine", field="plan.routines")
    for i, routine_id in enumerate(routines):
        try:
            get_routine(session, str(routine_id))
        except NotFound:
            raise InvalidInput(f"unknown routine {routine_id!r}", field=f"plan.routines.{i}") from None
    days = [str(d).upper() for d in plan.get("days") or WEEKDAYS]
    for day in days:
        if day not in WEEKDAYS:
            raise InvalidInput(f"days are {', '.join(WEEKDAYS)}", field="plan.days")
    times = list(plan.get("times") or DEFAULT_TIMES)
    for at in times:
        try:
            time.fromisoformat(str(at))
        except ValueError:
            raise InvalidInput(f"{at!r} is not a local time like 07:30", field="plan.times") from None
    zone = plan.get("timezone") or "UTC"
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"{zone!r} is not an IANA timezone", field="plan.timezone") from None
    start = plan.get("start")
    if start is not None:
        try:
            date.fromisoformat(str(start))
        except ValueError:
            raise InvalidInput("start is a date like 2026-11-01", field="plan.start") from None
    return {
        "routines": [str(r) for r in routines],
        "days": days,
        "times": times,
        "timezone": zone,
        "start": start,
    }


def plan_of(session: Session, row: InstallationRow) -> Plan | None:
    """The installation's plan as the domain model; None when it has none."""
    if not row.plan:
        return None
    stored = row.plan
    return Plan(
        routines=tuple(get_routine(session, r) for r in stored["routines"]),
        times=tuple(time.fromisoformat(t) for t in stored["times"]),
        timezone=stored["timezone"],
        days=tuple(stored["days"]),
        start=date.fromisoformat(stored["start"]) if stored.get("start") else None,
    )

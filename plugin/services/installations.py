"""Install and uninstall: who a host is, its secret, its credentials and its plan."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from plugin import crypto, manifests
from plugin.catalog.model import Plan
from plugin.errors import InvalidInput, NotFound
from plugin.formats import strava as strava_format
from plugin.i18n import N_
from plugin.security import HEADER_INSTALLATION_SIGNATURE, NO_MATCH, SignatureRejected, is_secret
from plugin.services import calendar_lookup, calendars
from plugin.store import installations as repo
from plugin.store.installations import InstallationRow
from plugin.store.pushes import PushRow, PushStateRow
from plugin.store.sessions import SessionRow
from plugin.trackers import registry
from plugin.trackers.base import Credentials

CLIENT_KEY = re.compile(r"^[A-Za-z0-9._:@-]{1,200}$")


@dataclass(frozen=True)
class Installed:
    row: InstallationRow
    created: bool
    calendar_token: str | None  # the feed token of a calendar made now; never stored in the clear
    plan: dict[str, Any] | None  # the stored plan fields
    calendar_id: str | None  # the id (not the token) of the calendar the plan lives in


def install(
    session: Session,
    keys: crypto.Keyring,
    *,
    client_key: str,
    tracker: str,
    shared_secret: str,
    base_url: str,
    credentials: dict[str, Any],
    plan: dict[str, Any] | None = None,
    manage_token: str | None = None,
    may_replace: Callable[[str], bool] = lambda current_secret: False,
) -> Installed:
    """Store an installation, or replace the secret, credentials and plan of one with this client key.

    Replacing needs ``may_replace(current shared secret)`` to say yes: a signed re-install
    proves the secret it replaces (docs/signing.md#re-install), an operator's command
    says so itself; otherwise Unauthenticated and nothing changes.
    A plan lives in a calendar the installation owns (created the first time; its
    feed token is returned then, and only then). ``manage_token`` (a person's connection
    from /connect) opens the installation's management page; only its hash is stored, and
    the calendar's feed token is derived from it. Nothing is stored when any field is invalid.
    """
    if not CLIENT_KEY.match(client_key):
        raise InvalidInput(N_("clientKey is 1-200 letters, digits or ._:@-"), field="clientKey")
    registry.factory(tracker)
    if not is_secret(shared_secret):
        raise InvalidInput(
            N_("sharedSecret must be whsec_ and at least 24 base64 bytes"), field="sharedSecret"
        )
    if not re.match(r"^https?://[^\s/]+", base_url):
        raise InvalidInput(N_("baseUrl must be an http(s) URL"), field="baseUrl")
    for name in manifests.required_credentials(tracker):
        if credentials.get(name) in (None, ""):
            raise InvalidInput(
                N_("{tracker} needs credentials.{name}"),
                field=f"credentials.{name}",
                values={"tracker": tracker, "name": name},
            )
    zone = credentials.get("timezone")
    if zone not in (None, "") and not _known_zone(zone):
        # Without a plan, a tracker's local dates and times are read in this zone (services/sync.py).
        raise InvalidInput(
            N_("timezone must be an IANA name like Europe/Berlin"), field="credentials.timezone"
        )
    # Any installation may connect Strava (docs/strava.md#our-mapping), so any may opt in.
    strava_format.stretching_sport_types(credentials.get("stretchingSportTypes"))
    row = repo.by_client_key(session, client_key)
    created = row is None
    # (the parameter shared_secret is the new one; the stored one is decrypted here)
    if row is not None and not may_replace(keys.decrypt(row.secret_enc)):
        # The same text as any signature that does not verify (plugin.security.NO_MATCH).
        raise SignatureRejected(NO_MATCH, field=HEADER_INSTALLATION_SIGNATURE)
    if row is None:
        row = InstallationRow(client_key=client_key, tracker_state={})
        session.add(row)
    row.tracker = tracker
    row.base_url = base_url.rstrip("/")
    row.secret_enc = keys.encrypt(shared_secret)
    row.credentials_enc = keys.encrypt(json.dumps(credentials))
    if manage_token is not None:
        row.manage_token_hash = calendar_lookup.hash_token(manage_token)
    session.flush()
    token = _set_plan(session, row.id, plan, keys, manage_token) if plan is not None else None
    return Installed(row, created, token, plan_spec(session, row), calendar_id(session, row))


def uninstall(session: Session, installation_id: str, keys: crypto.Keyring) -> bool:
    """Erase everything of one installation; False when there was nothing to erase.

    The CalDAV copies of its calendars are deleted from their server too (their passwords
    are read with ``keys``), once the erasure has committed (``session`` comes from a unit
    of work).
    """
    # Explicit deletes rather than relying on ON DELETE CASCADE alone, so that a
    # database with foreign keys off (a SQLite connection without the pragma) erases too.
    for table in (SessionRow, PushRow, PushStateRow):
        session.execute(delete(table).where(table.installation_id == installation_id))
    # Its webhook ids stay used (keyed by who signed them, docs/signing.md#replays), their answers go.
    repo.unlink_seen(session, installation_id)
    # Revoked, not deleted: subscribers' feeds answer 410; the row keeps no plan and no link.
    calendars.erase_installation_calendars(session, installation_id, keys)
    result = cast(
        "CursorResult[Any]",
        session.execute(delete(InstallationRow).where(InstallationRow.id == installation_id)),
    )
    return bool(result.rowcount)


def _known_zone(name: object) -> bool:
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return isinstance(name, str)


def find(session: Session, client_key: str) -> InstallationRow:
    """The installation with this client key; NotFound otherwise."""
    row = repo.by_client_key(session, client_key)
    if row is None:
        raise NotFound(
            N_("no installation '{client_key}'"), field="clientKey", values={"client_key": client_key}
        )
    return row


def shared_secret(row: InstallationRow, keys: crypto.Keyring) -> str:
    """The installation's decrypted whsec_ secret, which signs its calls."""
    return keys.decrypt(row.secret_enc)


def credentials(row: InstallationRow, keys: crypto.Keyring) -> Credentials:
    """The decrypted credentials a tracker client is built from (the shared secret included)."""
    stored = json.loads(keys.decrypt(row.credentials_enc))
    token = stored.get("token") or stored.get("accessToken")
    return Credentials(
        base_url=row.base_url,
        token=token,
        extra={**stored, "shared_secret": shared_secret(row, keys)},
    )


def plan_of(session: Session, row: InstallationRow) -> Plan | None:
    """The installation's plan (kept in the calendar it owns); None when it has none."""
    spec = plan_spec(session, row)
    return calendar_lookup.plan_from_spec(session, spec) if spec else None


def plan_spec(session: Session, row: InstallationRow) -> dict[str, Any] | None:
    """The stored plan fields (as POST /calendars takes them); None without a plan."""
    owned = calendar_lookup.installation_calendar(session, row.id)
    return owned.spec if owned is not None else None


def calendar_id(session: Session, row: InstallationRow) -> str | None:
    """The id (not the token) of the calendar the installation's plan lives in."""
    owned = calendar_lookup.installation_calendar(session, row.id)
    return owned.id if owned is not None else None


def _set_plan(
    session: Session,
    installation_id: str,
    plan: dict[str, Any],
    keys: crypto.Keyring,
    manage_token: str | None = None,
) -> str | None:
    """Give the installation's calendar this plan; the new calendar's token when one was made."""
    try:
        owned = calendar_lookup.installation_calendar(session, installation_id)
        if owned is None:
            made = calendars.create_calendar(
                session, plan, installation_id=installation_id, manage_token=manage_token
            )
            return made.token
        calendars.change_plan(session, owned, plan, keys)  # its CalDAV copy follows after commit
        return None
    except InvalidInput as err:
        raise InvalidInput(
            err.template, field=f"plan.{err.field}" if err.field else "plan", values=err.values
        ) from None

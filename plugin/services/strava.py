"""Strava use cases: connect an athlete to an installation, take webhook events, post sessions out.

Any installation can connect one Strava account. Its tokens join the
installation's encrypted credentials under ``strava``; what is not secret (the
athlete id, whether sync is on, whether to post sessions, which activities we
posted) lives in its tracker state under ``strava``.

Connecting takes three steps. A host asks, with a signed hook call, for a
connect link; the link carries a ``ticket`` (encrypted with the plugin's key,
valid ten minutes, naming the installation). ``GET /connect/strava`` turns the
ticket into Strava's authorization page with an encrypted ``state`` naming the
installation and a nonce that is also set as a cookie, so the callback accepts
only the browser that started it (RFC 6749 §10.12).
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from plugin import catalog, clock, crypto
from plugin.catalog.model import CompletedSession
from plugin.errors import Forbidden, InvalidInput, NotFound
from plugin.formats import strava as strava_format
from plugin.formats.strava import StravaEvent
from plugin.services import installations
from plugin.services.routines import list_routines
from plugin.services.sessions import completed_of, delete_session, sync_session
from plugin.store import installations as installation_repo
from plugin.store import sessions as session_repo
from plugin.store.db import Database
from plugin.store.installations import InstallationRow
from plugin.trackers.base import TrackerError
from plugin.trackers.strava import (
    StravaApp,
    StravaTokens,
    StravaTracker,
    TokenRefused,
    exchange_code,
    posted_activity_ids,
)

log = logging.getLogger(__name__)

TICKET_TTL_S = 600
STATE_TTL_S = 900
SOURCE = "strava"


class ConnectRefused(Forbidden):
    """A connect link or callback we cannot honour: expired, forged, or declined by the athlete."""


def app_of(config: Mapping[str, Any], credentials: Mapping[str, Any] | None = None) -> StravaApp:
    """The registered Strava app: a Strava host's own clientId/clientSecret, else PLUGIN_STRAVA_*.

    InvalidInput when neither is there.
    """
    own = credentials or {}
    client_id = str(own.get("clientId") or config.get("STRAVA_CLIENT_ID") or "")
    client_secret = str(own.get("clientSecret") or config.get("STRAVA_CLIENT_SECRET") or "")
    if not client_id or not client_secret:
        raise InvalidInput(
            "Strava is not configured: set PLUGIN_STRAVA_CLIENT_ID and _SECRET", field="strava"
        )
    return StravaApp(
        client_id,
        client_secret,
        api_url=str(config.get("STRAVA_API_URL") or StravaApp.api_url),
        oauth_url=str(config.get("STRAVA_OAUTH_URL") or StravaApp.oauth_url),
    )


# --- sealed tickets and states ---------------------------------------------------------------


def seal(
    keys: crypto.Keyring, purpose: str, claims: dict[str, Any], ttl_s: int, now: float | None = None
) -> str:
    """Encrypt ``claims`` for one purpose with an expiry (Fernet: tamper-proof and unreadable)."""
    body = {**claims, "purpose": purpose, "exp": int((now or clock.now().timestamp()) + ttl_s)}
    return keys.encrypt(json.dumps(body, sort_keys=True))


def unseal(keys: crypto.Keyring, purpose: str, token: str, now: float | None = None) -> dict[str, Any]:
    """The claims of a sealed token of this purpose; ConnectRefused when forged, mixed up or expired."""
    try:
        claims = json.loads(keys.decrypt(token))
    except (crypto.UndecryptableSecret, ValueError, TypeError):
        raise ConnectRefused(f"the {purpose} is not one we issued", field=purpose) from None
    if not isinstance(claims, dict) or claims.get("purpose") != purpose:
        raise ConnectRefused(f"the {purpose} is not one we issued", field=purpose)
    if int(claims.get("exp", 0)) < (now or clock.now().timestamp()):
        raise ConnectRefused(f"the {purpose} has expired; start again", field=purpose)
    return claims


def connect_ticket(keys: crypto.Keyring, installation_id: str, post_sessions: bool) -> str:
    """The ticket of a connect link for one installation."""
    return seal(keys, "ticket", {"installation": installation_id, "post": post_sessions}, TICKET_TTL_S)


@dataclass(frozen=True)
class Authorization:
    url: str  # Strava's authorization page
    nonce: str  # set as a cookie, must come back with the callback


def authorization(
    keys: crypto.Keyring, config: Mapping[str, Any], ticket: str, callback_url: str
) -> Authorization:
    """Turn a connect ticket into Strava's authorization page with a state bound to the installation."""
    claims = unseal(keys, "ticket", ticket)
    nonce = secrets.token_urlsafe(18)
    state = seal(
        keys,
        "state",
        {"installation": claims["installation"], "post": bool(claims.get("post")), "nonce": nonce},
        STATE_TTL_S,
    )
    return Authorization(app_of(config).authorize_url(callback_url, state), nonce)


def finish_connect(
    db: Database,
    keys: crypto.Keyring,
    config: Mapping[str, Any],
    *,
    state: str,
    nonce: str | None,
    code: str | None,
    error: str | None,
    scope: str | None,
) -> int:
    """Check the callback, exchange the code and store the tokens; returns the athlete id."""
    claims = unseal(keys, "state", state)
    if not nonce or not secrets.compare_digest(str(claims.get("nonce")), nonce):
        raise ConnectRefused("this browser did not start the connection; start again", field="state")
    if error:
        raise ConnectRefused("Strava access was not granted", field="error")
    granted = set((scope or "").split(","))
    if not granted & {"activity:read", "activity:read_all"}:
        raise ConnectRefused("reading activities must be allowed", field="scope")
    if claims.get("post") and "activity:write" not in granted:
        raise ConnectRefused("posting sessions needs permission to write activities", field="scope")
    if not code:
        raise ConnectRefused("Strava sent no authorization code", field="code")
    with db.unit_of_work() as session:
        if installation_repo.get(session, claims["installation"]) is None:
            raise NotFound("the installation no longer exists", field="installation")
    tokens, athlete_id = exchange_code(app_of(config), code)
    with db.unit_of_work() as session:
        row = installation_repo.get(session, claims["installation"])
        if row is None:
            raise NotFound("the installation no longer exists", field="installation")
        save_tokens(row, keys, tokens)
        previous = dict((row.tracker_state or {}).get("strava") or {})
        strava_state = {
            "athlete_id": athlete_id,
            "sync": True,
            "post_sessions": bool(claims.get("post")),
            "posted": previous.get("posted", {}) if previous.get("athlete_id") == athlete_id else {},
            # Only sessions received from now on are posted: connecting must not replay the history.
            "connected_at": previous.get("connected_at") or clock.now().isoformat(),
        }
        row.tracker_state = {**(row.tracker_state or {}), "strava": strava_state}
    return athlete_id


# --- tokens ----------------------------------------------------------------------------------


def stored_credentials(row: InstallationRow, keys: crypto.Keyring) -> dict[str, Any]:
    return json.loads(keys.decrypt(row.credentials_enc))


def save_tokens(row: InstallationRow, keys: crypto.Keyring, tokens: StravaTokens) -> None:
    """Keep the newest tokens, encrypted with the installation's other credentials."""
    stored = stored_credentials(row, keys)
    stored["strava"] = tokens.as_dict()
    row.credentials_enc = keys.encrypt(json.dumps(stored))


def tokens_of(row: InstallationRow, keys: crypto.Keyring) -> StravaTokens | None:
    """The installation's Strava tokens: from the connect flow, or as a Strava host installed them."""
    stored = stored_credentials(row, keys)
    saved = stored.get("strava")
    if isinstance(saved, dict):
        return StravaTokens(saved["access_token"], saved["refresh_token"], int(saved["expires_at"]))
    if stored.get("accessToken") and stored.get("refreshToken"):
        return StravaTokens(stored["accessToken"], stored["refreshToken"], int(stored.get("expiresAt") or 0))
    return None


def token_keeper(db: Database, keys: crypto.Keyring, installation_id: str) -> Callable[[StravaTokens], None]:
    """What a client calls with refreshed tokens: saves them at once, in a transaction of its own."""

    def keep(new: StravaTokens) -> None:
        # Strava may retire the old refresh token with this answer: store before anything else.
        with db.unit_of_work() as session:
            row = installation_repo.get(session, installation_id)
            if row is not None:
                save_tokens(row, keys, new)

    return keep


def tracker_for(
    db: Database, keys: crypto.Keyring, config: Mapping[str, Any], installation_id: str
) -> StravaTracker:
    """A Strava client for one installation whose refreshed tokens are saved the moment they arrive."""
    with db.unit_of_work() as session:
        row = installation_repo.get(session, installation_id)
        tokens = tokens_of(row, keys) if row is not None else None
        stored = stored_credentials(row, keys) if row is not None else {}
        posted = posted_activity_ids(strava_state(row)) if row is not None else frozenset()
    if tokens is None:
        raise TrackerError("this installation has not connected a Strava account")
    return StravaTracker(
        app_of(config, stored),
        tokens,
        on_tokens=token_keeper(db, keys, installation_id),
        sport_types=sport_types_of(stored),
        posted_ids=posted,
    )


def sport_types_of(stored: Mapping[str, Any]) -> frozenset[str]:
    """The sport types the installation opted into (``stretchingSportTypes``, checked at install)."""
    try:
        return strava_format.stretching_sport_types(stored.get("stretchingSportTypes"))
    except InvalidInput as err:  # stored before the check existed: take none rather than guess
        log.warning("ignoring stretchingSportTypes: %s", err.message)
        return frozenset()


def strava_state(row: InstallationRow) -> dict[str, Any]:
    return dict((row.tracker_state or {}).get("strava") or {})


def set_strava_state(row: InstallationRow, **changes: Any) -> None:
    row.tracker_state = {**(row.tracker_state or {}), "strava": {**strava_state(row), **changes}}


def athlete_of(row: InstallationRow, keys: crypto.Keyring) -> int | None:
    """The Strava athlete an installation is connected to (tracker state, or a Strava host's credentials)."""
    athlete = strava_state(row).get("athlete_id")
    if athlete is None and row.tracker == SOURCE:
        athlete = stored_credentials(row, keys).get("athleteId")
    try:
        return int(athlete) if athlete is not None else None
    except (TypeError, ValueError):
        return None


def installation_for_athlete(
    session: Session, keys: crypto.Keyring, athlete_id: int
) -> InstallationRow | None:
    for row in installation_repo.all_rows(session):
        if athlete_of(row, keys) == athlete_id:
            return row
    return None


# --- webhook events ----------------------------------------------------------------------------


def routine_names(session: Session) -> dict[str, str]:
    return {r.name: r.id for r in list_routines(session)}


def accept_event(body: Any, enqueue: Callable[[dict[str, Any]], object]) -> StravaEvent:
    """Check a webhook event and hand it to the queue; InvalidInput names the field at fault.

    Handled later, not here: Strava wants an answer within 2 s (docs/strava.md#webhooks).
    """
    try:
        event = strava_format.parse_event(body)
    except InvalidInput as err:
        log.warning("ignoring a malformed Strava event (%s: %s)", err.field, err.message)
        raise
    enqueue(event.as_dict())
    return event


def handle_event(
    db: Database, keys: crypto.Keyring, config: Mapping[str, Any], body: Mapping[str, Any]
) -> str:
    """Act on one webhook event; returns what was done, for the log.

    Strava signs no event (docs/strava.md#webhooks), so an event is only a reason to
    ask Strava, with the athlete's token and no transaction open: the activity is
    fetched again whatever the aspect, so repeated, reordered and forged events all end
    in what Strava holds now (one session kept up to date in place, or none once
    Strava answers 404); a deauthorization counts only once Strava refuses the token.
    A Strava that cannot be reached raises TrackerError, and the job tries again later.
    """
    event = strava_format.parse_event(body)
    with db.unit_of_work() as session:
        row = installation_for_athlete(session, keys, event.owner_id)
        if row is None:
            return f"ignored: no installation is connected to athlete {event.owner_id}"
        installation_id = row.id
        state = strava_state(row)
        connected = tokens_of(row, keys) is not None
    if event.is_deauthorization:
        return deauthorized(db, keys, config, installation_id, event.owner_id, connected)
    if state.get("sync") is False:
        return "ignored: sync is disabled for this installation"
    if event.object_type != "activity":
        return f"ignored: athlete {event.aspect_type}"
    if str(event.object_id) in posted_activity_ids(state):
        return "ignored: an activity we posted"
    return follow_activity(db, keys, config, installation_id, event.owner_id, event.object_id)


def deauthorized(
    db: Database,
    keys: crypto.Keyring,
    config: Mapping[str, Any],
    installation_id: str,
    athlete_id: int,
    connected: bool,
) -> str:
    """Turn sync off for an athlete who revoked our access, once Strava refuses the token.

    Anyone can post ``authorized: "false"`` for any athlete; only Strava's own refusal
    of the stored token (docs/strava.md#deauthorization) shows the athlete did it.
    """
    if connected:
        try:
            tracker_for(db, keys, config, installation_id).athlete()
        except TokenRefused:
            pass
        else:
            return f"ignored: Strava still accepts athlete {athlete_id}'s token"
    with db.unit_of_work() as session:
        row = installation_repo.get(session, installation_id)
        if row is not None:
            set_strava_state(row, sync=False)
    return f"sync disabled: athlete {athlete_id} revoked access"


def follow_activity(
    db: Database,
    keys: crypto.Keyring,
    config: Mapping[str, Any],
    installation_id: str,
    athlete_id: int,
    activity_id: int,
) -> str:
    """Bring the stored session in line with the activity as Strava holds it now.

    Created, updated (a new title, type or privacy, docs/strava.md#webhooks) or deleted,
    the activity is read again: a 404 removes its session, one that is (still) ours is
    stored or updated, one no longer ours removes it. Any other failure keeps the
    session and raises, so the event is tried again: nothing is deleted on doubt.
    """
    with db.unit_of_work() as session:
        names = routine_names(session)
    tracker = tracker_for(db, keys, config, installation_id)
    try:
        activity = tracker.activity(activity_id)
    except TokenRefused:
        return "ignored: Strava refuses the athlete's token; the session is kept"
    except TrackerError as err:
        if err.status != 404:
            raise
        with db.unit_of_work() as session:
            removed = delete_session(session, installation_id, SOURCE, str(activity_id))
        return "session removed: Strava has no such activity" if removed else "ignored: the activity is gone"
    owner = activity.get("athlete") if isinstance(activity, Mapping) else None
    if isinstance(owner, Mapping) and owner.get("id") not in (None, athlete_id):
        return "ignored: the activity is another athlete's"
    try:
        completed = strava_format.parse_activity(activity, names, tracker.sport_types)
    except InvalidInput as err:
        return f"ignored: Strava sent a malformed activity ({err.field}: {err.message})"
    if completed is None:
        with db.unit_of_work() as session:
            removed = delete_session(session, installation_id, SOURCE, str(activity_id))
        return "session removed: no longer a stretching session" if removed else "ignored: not ours"
    try:
        with db.unit_of_work() as session:
            row = installation_repo.get(session, installation_id)
            # Asked again where the session is written: post_pending may have recorded this
            # activity as ours since the event was first looked at (it carries our marker).
            if row is None or str(activity_id) in posted_activity_ids(strava_state(row)):
                return "ignored: an activity we posted"
            _, outcome = sync_session(session, installation_id, completed, dict(activity))
    except InvalidInput as err:  # a rule of the import path: retrying cannot help
        return f"ignored: the session breaks a rule ({err.field}: {err.message})"
    return f"session {outcome}"


# --- sessions out ------------------------------------------------------------------------------


def received_since(created_at: datetime, connected_at: str | None) -> bool:
    if not connected_at:
        return False
    created = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)  # SQLite keeps no offset
    return created >= datetime.fromisoformat(connected_at)


def local_start(completed: CompletedSession, zone: ZoneInfo) -> CompletedSession:
    return replace(completed, started_at=completed.started_at.astimezone(zone))


def posting_installations(db: Database) -> list[str]:
    """Installations that asked for their sessions to be posted to Strava and still sync."""
    with db.unit_of_work() as session:
        return [
            row.id
            for row in installation_repo.all_rows(session)
            if strava_state(row).get("post_sessions") and strava_state(row).get("sync") is not False
        ]


def post_pending(
    db: Database, keys: crypto.Keyring, config: Mapping[str, Any], installation_id: str
) -> list[int]:
    """Post each session imported from elsewhere to Strava once, when the installation asked for it."""
    with db.unit_of_work() as session:
        row = installation_repo.get(session, installation_id)
        if row is None:
            return []
        state = strava_state(row)
        if not state.get("post_sessions") or state.get("sync") is False:
            return []
        posted = dict(state.get("posted") or {})
        # Strava reads start_date_local as the athlete's wall time: use the plan's zone when known.
        zone = ZoneInfo(str((installations.plan_spec(session, row) or {}).get("timezone") or "UTC"))
        todo = [
            (s.id, local_start(completed_of(s), zone), s.routine_id)
            for s in session_repo.between(session, installation_id, None, None)
            if s.source != SOURCE
            and s.id not in posted
            and received_since(s.created_at, state.get("connected_at"))
        ]
        names = {r.id: r.name for r in list_routines(session)}
    if not todo:
        return []
    tracker = tracker_for(db, keys, config, installation_id)
    exercise_names = {e.id: e.name for e in catalog.exercises()}
    sport_type = str(config.get("STRAVA_SPORT_TYPE") or strava_format.DEFAULT_SPORT_TYPE)
    made = []
    for session_id, completed, routine_id in todo:
        activity_id = tracker.post_session(completed, names.get(routine_id or ""), exercise_names, sport_type)
        made.append(activity_id)
        # Remember each at once: a later failure must not post this one again.
        with db.unit_of_work() as session:
            row = installation_repo.get(session, installation_id)
            if row is not None:
                set_strava_state(row, posted={**strava_state(row).get("posted", {}), session_id: activity_id})
    return made

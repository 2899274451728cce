"""Configuration: defaults, then PLUGIN_* environment variables, then test overrides."""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import Any

from flask import Flask

from plugin import crypto, outbound

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    # Empty means a SQLite file in the instance folder.
    "DATABASE_URL": "",
    # Public base URL used in feed links and manifests; empty means "from the request".
    "BASE_URL": "",
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    # Deepest nesting of arrays and objects a JSON body may have (docs/hardening.md#limits).
    "JSON_MAX_DEPTH": 32,
    "API_TITLE": "stretchsync",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
    "JSON_SORT_KEYS": False,
    # Comma-separated whsec_ secrets a host signs /lifecycle/installed with; empty refuses every install.
    "HOST_SECRETS": "",
    # Fernet key(s) for credentials at rest; empty: generated into the instance folder (development).
    "SECRET_KEY": None,
    # Outgoing requests (CalDAV, wger, Hevy, hosts, Strava) to loopback, private, link-local or
    # reserved addresses are refused unless allowed (docs/outbound.md#private-networks):
    # all of them, or the comma-separated addresses, networks and address:port pairs listed.
    "ALLOW_PRIVATE_HOSTS": False,
    "ALLOW_PRIVATE_ADDRESSES": "",
    # The older, CalDAV-only name of ALLOW_PRIVATE_HOSTS; it now allows every outgoing request.
    "CALDAV_ALLOW_PRIVATE_HOSTS": False,
    # Background jobs: huey on SQLite in the instance folder, or Redis when this is set.
    "REDIS_URL": "",
    "HUEY_NAME": "stretchsync",
    "HUEY_SQLITE_PATH": "",
    "PUSH_MAX_ATTEMPTS": 8,
    "PUSH_BACKOFF_BASE_S": 30.0,  # attempt n waits base × 2^(n-1), at least the tracker's Retry-After
    "PUSH_BACKOFF_MAX_S": 6 * 3600.0,
    # A running push's worker renews its lease every third of this; a lapsed lease (a dead worker)
    # hands the push to the next sweep, which resends it under the same webhook-ids.
    "PUSH_LEASE_S": 60.0,
    "SIGNATURE_TOLERANCE_S": 300,
    # Hevy's API root, for accounts a person connects from /connect (the CLI names its own).
    "HEVY_API_URL": "https://api.hevyapp.com",
    # Strava API v3 and OAuth roots, the registered app, and the webhook subscription's verify token.
    "STRAVA_API_URL": "https://www.strava.com/api/v3",
    "STRAVA_OAUTH_URL": "https://www.strava.com/oauth",
    "STRAVA_CLIENT_ID": "",
    "STRAVA_CLIENT_SECRET": "",
    "STRAVA_VERIFY_TOKEN": "",
    # Sport type of the activities posted for sessions done elsewhere (Workout, Yoga or PhysicalTherapy).
    "STRAVA_SPORT_TYPE": "Workout",
    # Days back a sync reads again and within which a synced session's edits and deletions in
    # its tracker are followed; an older session is settled (PLUGIN_SYNC_LOOKBACK_DAYS).
    "SYNC_LOOKBACK_DAYS": 14,
    # Days of completed sessions a calendar feed marks done (today included); older ones are left out.
    "FEED_HISTORY_DAYS": 90,
    # Seconds between the import that marks a feed stale and the job that rebuilds it (a burst shares it).
    "FEED_REBUILD_DELAY_S": 10.0,
}
FEED_HISTORY_DAYS_RANGE = (1, 3660)

SECRET_KEY_FILE = "secret.key"
KEYRING = "stretchsync.keyring"


def sqlite_url(instance_path: str) -> str:
    return "sqlite:///" + os.path.join(instance_path, "stretchsync.db")


def secret_key(app: Flask) -> str:
    """PLUGIN_SECRET_KEY, or a key generated once into the instance folder for development."""
    configured = app.config.get("SECRET_KEY")
    if configured:
        return str(configured)
    path = os.path.join(app.instance_path, SECRET_KEY_FILE)
    if not os.path.exists(path):
        os.makedirs(app.instance_path, exist_ok=True)
        # O_EXCL: two processes starting at once must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(crypto.generate_key())
            log.warning("PLUGIN_SECRET_KEY is not set: generated %s; set it in production", path)
    with open(path, encoding="ascii") as handle:
        key = handle.read().strip()
    app.config["SECRET_KEY"] = key
    return key


def host_secrets(app: Flask) -> list[str]:
    """The registration secrets of PLUGIN_HOST_SECRETS (comma-separated)."""
    return [s.strip() for s in str(app.config.get("HOST_SECRETS") or "").split(",") if s.strip()]


def sync_lookback(app: Flask) -> timedelta:
    """PLUGIN_SYNC_LOOKBACK_DAYS as a span: how far back polled trackers' edits and deletions are followed."""
    days = app.config.get("SYNC_LOOKBACK_DAYS", DEFAULTS["SYNC_LOOKBACK_DAYS"])
    if isinstance(days, bool) or not isinstance(days, int | str) or not str(days).strip().isdigit():
        raise ValueError(f"PLUGIN_SYNC_LOOKBACK_DAYS must be a whole number of days, not {days!r}")
    return timedelta(days=int(days))


def check(app: Flask) -> None:
    """Refuse settings the app cannot run with, naming the variable (at start, not on first use)."""
    low, high = FEED_HISTORY_DAYS_RANGE
    days: Any = app.config.get("FEED_HISTORY_DAYS")
    try:
        whole = int(days) if not isinstance(days, bool) and int(days) == float(days) else None
    except (TypeError, ValueError):
        whole = None
    if whole is None or not low <= whole <= high:
        raise ValueError(f"PLUGIN_FEED_HISTORY_DAYS must be a whole number of days from {low} to {high}")
    app.config["FEED_HISTORY_DAYS"] = whole
    outbound.policy_of(app.config)  # ValueError naming PLUGIN_ALLOW_PRIVATE_ADDRESSES


def keyring(app: Flask) -> crypto.Keyring:
    """The app's keys as one Keyring: what stores and reads secrets at rest is handed this.

    Parsed once and kept in ``app.extensions``; made again only when SECRET_KEY in the
    config has changed (a rotation applied to a running app, or a test's override).
    """
    keys = secret_key(app)
    held = app.extensions.get(KEYRING)
    if not isinstance(held, crypto.Keyring) or held.keys != keys:
        held = app.extensions[KEYRING] = crypto.Keyring(keys)
    return held

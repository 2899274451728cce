"""Configuration: defaults, then PLUGIN_* environment variables, then test overrides."""

from __future__ import annotations

import os
from typing import Any

DEFAULTS: dict[str, Any] = {
    # Empty means a SQLite file in the instance folder.
    "DATABASE_URL": "",
    # Public base URL used in feed links and manifests; empty means "from the request".
    "BASE_URL": "",
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "API_TITLE": "stretchsync",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
    "JSON_SORT_KEYS": False,
    # Hevy API v1 root; an installation's base URL, when it points at Hevy, wins.
    "HEVY_API_URL": "https://api.hevyapp.com",
    # Strava API v3 and OAuth roots, the registered app, and the webhook subscription's verify token.
    "STRAVA_API_URL": "https://www.strava.com/api/v3",
    "STRAVA_OAUTH_URL": "https://www.strava.com/oauth",
    "STRAVA_CLIENT_ID": "",
    "STRAVA_CLIENT_SECRET": "",
    "STRAVA_VERIFY_TOKEN": "",
    # Sport type of the activities posted for sessions done elsewhere (Workout, Yoga or PhysicalTherapy).
    "STRAVA_SPORT_TYPE": "Workout",
}


def sqlite_url(instance_path: str) -> str:
    return "sqlite:///" + os.path.join(instance_path, "stretchsync.db")

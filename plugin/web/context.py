"""Access to what create_app built, from inside a request or app context."""

from __future__ import annotations

from flask import current_app, request

from plugin.store.db import Database


def database() -> Database:
    return current_app.extensions["stretchsync.db"]


def base_url() -> str:
    """The public base URL: PLUGIN_BASE_URL when set, else the request's own root."""
    configured = current_app.config.get("BASE_URL") or ""
    return (configured or request.host_url).rstrip("/")

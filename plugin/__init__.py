"""stretchsync: stretch routines pushed into trackers and calendars, sessions synced back."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from plugin.config import DEFAULTS, check, sqlite_url
from plugin.store.db import make_database


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app: defaults, then PLUGIN_* environment variables, then ``test_config``."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("PLUGIN")
    if test_config:
        app.config.from_mapping(test_config)
    check(app)
    os.makedirs(app.instance_path, exist_ok=True)
    url = app.config["DATABASE_URL"] or sqlite_url(app.instance_path)
    app.extensions["stretchsync.db"] = make_database(url, app.config.get("DATABASE_SCHEMA"))

    from plugin import web

    web.init_app(app)
    from plugin.config import secret_key
    from plugin.jobs import schedule_feed_rebuilds
    from plugin.services import done_links, feeds

    base_url = str(app.config.get("BASE_URL") or "").rstrip("/")
    feeds.configure_feeds(
        app.extensions["stretchsync.db"],
        feeds.FeedSettings(
            app.config["FEED_HISTORY_DAYS"], base_url, lambda: done_links.keys_from(secret_key(app))
        ),
    )
    schedule_feed_rebuilds(app)
    return app

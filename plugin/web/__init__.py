"""HTTP layer: flask-smorest blueprints. A view parses, calls one service, answers."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from plugin.web import (
    calendars,
    connect,
    docs,
    done_pages,
    figures,
    health,
    hooks,
    languages,
    lifecycle,
    manifests,
    pages,
    problems,
    routines,
    sessions,
    strava,
)

API_BLUEPRINTS = [
    health.blp,
    routines.blp,
    figures.blp,
    calendars.blp,
    manifests.blp,
    lifecycle.blp,
    hooks.blp,
    sessions.blp,
    strava.blp,
]

# Modules whose routes live on pages.blp (its templates, context and error page); imported for that.
PAGE_MODULES = (pages, done_pages)


def init_app(app: Flask) -> None:
    languages.init_app(app)
    api = Api(
        app, spec_kwargs={"info": {"description": "Stretch routines for the trackers you already use."}}
    )
    for blueprint in API_BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.register_blueprint(docs.blp)
    app.register_blueprint(pages.blp)
    app.register_blueprint(connect.blp)
    problems.init_app(app)

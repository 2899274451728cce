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
    guards,
    health,
    hooks,
    languages,
    lifecycle,
    manifests,
    openapi,
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
    app.url_map.converters["token"] = calendars.TokenConverter
    languages.init_app(app)
    api = Api(
        app, spec_kwargs={"info": {"description": "Stretch routines for the trackers you already use."}}
    )
    api.register_converter(calendars.TokenConverter, calendars.token_parameter)
    for blueprint in API_BLUEPRINTS:
        api.register_blueprint(blueprint)
    openapi.init_app(api)
    app.register_blueprint(docs.blp)
    app.register_blueprint(pages.blp)
    app.register_blueprint(connect.blp)
    guards.init_app(app)
    problems.init_app(app)

"""Liveness and readiness."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from plugin.version import VERSION
from plugin.web.context import database
from plugin.web.problems import database_down
from plugin.web.schemas import HealthSchema

blp = Blueprint("health", __name__, description="Service health")


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, description="the database does not answer (problem+json, with Retry-After)")
    def get(self):
        """Report the version and whether the database answers (503 when it does not)"""
        if not database().ping():
            return database_down(version=VERSION, database=False)
        return {"status": "ok", "version": VERSION, "database": True}

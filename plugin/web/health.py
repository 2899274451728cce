"""Liveness and readiness."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from plugin.version import VERSION
from plugin.web.context import database
from plugin.web.schemas import HealthSchema

blp = Blueprint("health", __name__, description="Service health")


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    def get(self):
        """Report the version and whether the database answers"""
        ok = database().ping()
        return {"status": "ok" if ok else "degraded", "version": VERSION, "database": ok}

"""Completed sessions and adherence of the calling installation (signed reads)."""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from plugin.formats import fhir, ical
from plugin.services import adherence as adherence_service
from plugin.services import feeds
from plugin.services import fhir as fhir_service
from plugin.services import sessions as service
from plugin.web.context import unit_of_work
from plugin.web.schemas import (
    AdherenceQuerySchema,
    AdherenceReportSchema,
    SessionQuerySchema,
    StoredSessionSchema,
)
from plugin.web.signing import installation_id, signed

blp = Blueprint("sessions", __name__, description="Completed sessions and adherence (signed)")


@blp.route("/sessions")
class Sessions(MethodView):
    @signed(record=False)
    @blp.arguments(SessionQuerySchema, location="query")
    @blp.response(200, StoredSessionSchema(many=True))
    @blp.doc(responses={200: {"content": {fhir.MEDIA_TYPE: {"schema": {"type": "object"}}}}})
    def get(self, query: dict):
        """List the installation's completed sessions, oldest first (or a FHIR Bundle, by Accept)"""
        selection = (query.get("from_"), query.get("to"), query.get("routine"))
        with unit_of_work() as session:
            if _wants_fhir():
                bundle = fhir_service.sessions_bundle(session, installation_id(), *selection)
                return Response(bundle, mimetype=fhir.MEDIA_TYPE)
            return service.list_sessions(session, installation_id(), *selection)


def _wants_fhir() -> bool:
    """Accept prefers application/fhir+json to application/json (``*/*`` keeps the plain JSON)."""
    accept = request.accept_mimetypes
    return accept.quality(fhir.MEDIA_TYPE) > accept.quality("application/json")


@blp.route("/sessions/<session_id>")
class SessionById(MethodView):
    @signed(record=False)
    @blp.response(200, StoredSessionSchema)
    def get(self, session_id: str):
        """Show one completed session"""
        with unit_of_work() as session:
            return service.get_session(session, installation_id(), session_id)


@blp.route("/adherence")
class Adherence(MethodView):
    @signed(record=False)
    @blp.arguments(AdherenceQuerySchema, location="query")
    @blp.response(200, AdherenceReportSchema)
    def get(self, query: dict):
        """Planned against completed over the last days: per routine, per day, streak, missed days"""
        with unit_of_work() as session:
            return adherence_service.adherence(session, installation_id(), query["days"])


@blp.route("/hooks/calendars/<calendar_id>.ics")
class InstallationCalendar(MethodView):
    @signed(record=False)
    @blp.response(200, content_type=ical.MEDIA_TYPE, description="the feed, completed sessions marked done")
    def get(self, calendar_id: str):
        """Read the installation's own calendar feed (the one its plan lives in)"""
        with unit_of_work() as session:
            body = feeds.installation_feed(session, installation_id(), calendar_id)
        return Response(body, mimetype=ical.MEDIA_TYPE)

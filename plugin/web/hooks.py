"""The export and import hooks a host calls, signed with its installation's secret."""

from __future__ import annotations

import logging

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import ValidationError

from plugin.errors import InvalidInput
from plugin.formats import fhir
from plugin.i18n import N_
from plugin.jobs import jobs
from plugin.services import fhir as fhir_service
from plugin.services import pushes
from plugin.services import sessions as session_service
from plugin.web.context import unit_of_work
from plugin.web.schemas import CompletedSessionSchema, ExportRequestSchema, PushSchema, StoredSessionSchema
from plugin.web.signing import installation_id, signed

blp = Blueprint("hooks", __name__, url_prefix="/hooks", description="Export and import hooks (signed)")
log = logging.getLogger(__name__)
FIT_MEDIA_TYPE = "application/vnd.ant.fit"
SESSION_SCHEMA = CompletedSessionSchema()  # built once: a schema instance is reusable and costly to make


@blp.route("/export")
class Export(MethodView):
    @signed()
    @blp.arguments(ExportRequestSchema)
    @blp.response(202, PushSchema)
    def post(self, body: dict):
        """Push routines to the calling installation's tracker, in the background"""
        with unit_of_work() as session:
            queue = jobs(current_app)
            push = pushes.create_push(session, installation_id(), body["routines"], queue.enqueue_push)
        return push, 202, {"Location": f"/hooks/export/{push.id}"}


@blp.route("/export/<push_id>")
class ExportStatus(MethodView):
    @signed(record=False)
    @blp.response(200, PushSchema)
    def get(self, push_id: str):
        """Show a push: status, attempts, last error and the tracker's ids"""
        with unit_of_work() as session:
            return pushes.status(session, installation_id(), push_id)


@blp.route("/import")
class Import(MethodView):
    @signed()
    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                "application/json": {"schema": CompletedSessionSchema},
                FIT_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
                fhir.MEDIA_TYPE: {
                    "schema": {"type": "object", "description": "a FHIR R4 Bundle (docs/fhir.md)"}
                },
            },
        }
    )
    @blp.response(201, StoredSessionSchema)
    @blp.alt_response(200, schema=StoredSessionSchema, description="already stored: the same session again")
    def post(self):
        """Store a completed session once (canonical JSON, a FIT activity file or a FHIR R4 Bundle)"""
        if request.mimetype == fhir.MEDIA_TYPE:
            return _import_fhir()
        if request.mimetype == FIT_MEDIA_TYPE:
            with unit_of_work() as session:
                row, created = session_service.import_fit_activity(
                    session, installation_id(), request.get_data(cache=True)
                )
                answer = session_service.stored(session, row)
            return answer, 201 if created else 200
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise InvalidInput(N_("the body is not a JSON object"), field="body")
        try:
            completed = SESSION_SCHEMA.load(body)
        except ValidationError as err:
            abort(422, messages={"json": err.messages})
        with unit_of_work() as session:
            row, created = session_service.import_session(session, installation_id(), completed, body)
            answer = session_service.stored(session, row)
        return answer, 201 if created else 200


def _import_fhir():
    # FHIR R4 Bundle with a Procedure and an optional pain Observation (formats/fhir_sessions.py).
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput(N_("the body is not a JSON object"), field="resourceType")
    with unit_of_work() as session:
        row, created = fhir_service.import_bundle(session, installation_id(), body)
        answer = session_service.stored(session, row)
    return answer, 201 if created else 200


@blp.route("/careplan")
class CarePlan(MethodView):
    @signed(record=False)
    @blp.response(
        200, content_type=fhir.MEDIA_TYPE, description="the installation's plan as a FHIR R4 CarePlan"
    )
    def get(self):
        """The installation's plan as a FHIR R4 CarePlan (its subject as the install plan named it)"""
        with unit_of_work() as session:
            care_plan = fhir_service.care_plan_for_installation(session, installation_id())
        return Response(care_plan, mimetype=fhir.MEDIA_TYPE)

"""Install and uninstall: the calls a host tracker makes around its installation."""

from __future__ import annotations

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint

from plugin.config import secret_key
from plugin.services import installations as service
from plugin.store.installations import HOST_SCOPE
from plugin.web.context import base_url, database, unit_of_work
from plugin.web.schemas import InstalledSchema, InstallSchema
from plugin.web.signing import SHOWN_ONCE, calling_installation, signed

blp = Blueprint("lifecycle", __name__, url_prefix="/lifecycle", description="Installation lifecycle (signed)")


@blp.route("/installed")
class Installed(MethodView):
    @signed(HOST_SCOPE)
    @blp.arguments(InstallSchema)
    @blp.response(201, InstalledSchema)
    @blp.alt_response(200, schema=InstalledSchema, description="an existing installation was replaced")
    def post(self, body: dict):
        """Install (signed with a host registration secret): store the secret, credentials and plan"""
        with unit_of_work() as session:
            installed = service.install(
                session,
                secret_key(current_app),
                client_key=body["clientKey"],
                tracker=body["tracker"],
                shared_secret=body["sharedSecret"],
                base_url=body["baseUrl"],
                credentials=body["credentials"],
                plan=body.get("plan"),
            )
            row, created = installed.row, installed.created
            g.installation_id = row.id
            answer = {
                "clientKey": row.client_key,
                "tracker": row.tracker,
                "created": created,
                "plan": service.plan_spec(session, row),
                "calendarId": service.calendar_id(session, row),
            }
        if installed.calendar_token:
            answer[SHOWN_ONCE] = f"{base_url()}/calendars/{installed.calendar_token}.ics"
        return answer, 201 if created else 200


@blp.route("/uninstalled")
class Uninstalled(MethodView):
    @blp.response(204)
    def post(self):
        """Uninstall (signed with the installation's secret): erase everything of it; again is harmless"""
        row, _ = calling_installation(required=False)
        if row is not None:
            with database().unit_of_work() as session:
                service.uninstall(session, row.id, secret_key(current_app))
        return None

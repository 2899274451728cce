"""Install and uninstall: the calls a host tracker makes around its installation."""

from __future__ import annotations

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint

from plugin.config import keyring
from plugin.services import installations as service
from plugin.store.installations import HOST_SCOPE
from plugin.web.context import unit_of_work
from plugin.web.schemas import InstalledSchema, InstallSchema
from plugin.web.signing import installation_id, proves_current_secret, signed

blp = Blueprint("lifecycle", __name__, url_prefix="/lifecycle", description="Installation lifecycle (signed)")


@blp.route("/installed")
class Installed(MethodView):
    @signed(HOST_SCOPE)
    @blp.arguments(InstallSchema)
    @blp.response(201, InstalledSchema)
    @blp.alt_response(200, schema=InstalledSchema, description="an existing installation was replaced")
    def post(self, body: dict):
        """Install (signed with a host registration secret; a re-install also with the current secret)"""
        with unit_of_work() as session:
            installed = service.install(
                session,
                keyring(current_app),
                client_key=body["clientKey"],
                tracker=body["tracker"],
                shared_secret=body["sharedSecret"],
                base_url=body["baseUrl"],
                credentials=body["credentials"],
                plan=body.get("plan"),
                may_replace=proves_current_secret,
            )
            g.installation_id = installed.row.id
        return installed, 201 if installed.created else 200


@blp.route("/uninstalled")
class Uninstalled(MethodView):
    @signed()
    @blp.response(204)
    def post(self):
        """Uninstall (signed with the installation's secret): erase everything of it"""
        with unit_of_work() as session:
            service.uninstall(session, installation_id(), keyring(current_app))
        g.installation_id = None  # erased: its webhook-id is kept, linked to nothing
        return None

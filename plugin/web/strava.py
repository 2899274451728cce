"""Strava: the webhook subscription (handshake and events) and connecting an athlete's account.

Strava signs nothing (docs/strava.md#webhooks): the handshake proves the subscription is
ours through ``hub.verify_token``, and each event is only a pointer; the job
re-fetches the activity with the athlete's token before storing anything.
"""

from __future__ import annotations

import hmac
import logging
from urllib.parse import urlencode

from flask import Response, current_app, redirect, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from markupsafe import escape
from marshmallow import EXCLUDE, Schema, fields

from plugin.config import keyring
from plugin.errors import InvalidInput, NotFound
from plugin.jobs import jobs
from plugin.schemas.base import StrictSchema
from plugin.schemas.fields import StrictBoolean
from plugin.services import strava as service
from plugin.trackers.base import TrackerError
from plugin.web.context import base_url, database
from plugin.web.problems import status_of
from plugin.web.signing import installation_id, signed

log = logging.getLogger(__name__)

blp = Blueprint("strava", __name__, description="Strava webhook and account connection")


class HandshakeQuery(Schema):
    mode = fields.String(required=True, data_key="hub.mode")
    challenge = fields.String(required=True, data_key="hub.challenge")
    verify_token = fields.String(required=True, data_key="hub.verify_token")


class HandshakeAnswer(Schema):
    challenge = fields.String(data_key="hub.challenge")


NONCE_COOKIE = "strava_connect"
CALLBACK_PATH = "/connect/strava/callback"


class ConnectLinkRequest(StrictSchema):
    postSessions = StrictBoolean(
        load_default=False,
        metadata={"description": "post sessions done elsewhere to Strava as manual activities"},
    )


class ConnectLink(Schema):
    url = fields.String(metadata={"description": "send the athlete's browser here within 10 minutes"})


class BrowserQuery(Schema):
    class Meta:
        # A browser page: whatever else the query holds must not turn it into a JSON error.
        unknown = EXCLUDE


class ConnectQuery(BrowserQuery):
    ticket = fields.String(load_default="")


class CallbackQuery(BrowserQuery):
    state = fields.String(load_default="")
    code = fields.String(load_default=None)
    error = fields.String(load_default=None)
    scope = fields.String(load_default=None)


def page(status: int, title: str, text: str) -> Response:
    """A plain page for the athlete's browser (these views are not API calls)."""
    html = (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{escape(title)}</title>"
        f"<main><h1>{escape(title)}</h1><p>{escape(text)}</p></main></html>"
    )
    return Response(html, status=status, mimetype="text/html")


# The event Strava posts (docs/strava.md#webhooks), as plugin.formats.strava.parse_event reads it.
STRAVA_EVENT = {
    "type": "object",
    "properties": {
        "object_type": {"type": "string", "enum": ["activity", "athlete"]},
        "object_id": {"type": "integer"},
        "aspect_type": {"type": "string", "enum": ["create", "update", "delete"]},
        "owner_id": {"type": "integer"},
        "subscription_id": {"type": "integer", "nullable": True},
        "event_time": {"type": "integer"},
        "updates": {"type": "object", "nullable": True},
    },
    "required": ["object_type", "object_id", "aspect_type", "owner_id", "event_time"],
}
PAGE = {"type": "string", "description": "an HTML page for the athlete's browser"}


class EventAnswer(Schema):
    status = fields.String(metadata={"enum": ["accepted"]})
    event = fields.String()


@blp.route("/webhooks/strava")
class StravaWebhook(MethodView):
    @blp.arguments(HandshakeQuery, location="query")
    @blp.response(200, HandshakeAnswer)
    @blp.alt_response(403, description="the verify token is not ours")
    def get(self, query: dict):
        """Answer Strava's subscription handshake by echoing hub.challenge"""
        expected = str(current_app.config.get("STRAVA_VERIFY_TOKEN") or "")
        # An unset token must refuse every handshake, never accept an empty one.
        if (
            query["mode"] != "subscribe"
            or not expected
            or not hmac.compare_digest(query["verify_token"].encode(), expected.encode())
        ):
            abort(403, message="hub.verify_token does not match this subscription")
        return {"challenge": query["challenge"]}

    @blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": STRAVA_EVENT}}})
    @blp.response(200, EventAnswer)
    @blp.alt_response(422, description="the event is malformed; it is logged and ignored")
    def post(self):
        """Acknowledge a Strava event at once and hand it to a background job"""
        event = service.accept_event(request.get_json(silent=True), jobs(current_app).strava_event)
        return {"status": "accepted", "event": event.key}


@blp.route("/hooks/strava/connect")
class StravaConnectLink(MethodView):
    @signed(sealed=True)  # the link's ticket connects an account: never kept in the clear
    @blp.arguments(ConnectLinkRequest)
    @blp.response(201, ConnectLink)
    def post(self, body: dict):
        """Give a link (signed call) that connects the installation's athlete to Strava"""
        ticket = service.connect_ticket(keyring(current_app), installation_id(), body["postSessions"])
        return {"url": f"{base_url()}/connect/strava?{urlencode({'ticket': ticket})}"}


@blp.route("/connect/strava")
class StravaConnect(MethodView):
    @blp.arguments(ConnectQuery, location="query")
    @blp.response(302, description="to Strava's authorization page")
    @blp.alt_response(
        403, schema=PAGE, content_type="text/html", description="a page: the link is forged or expired"
    )
    def get(self, query: dict):
        """Send the athlete to Strava's authorization page"""
        try:
            auth = service.authorization(
                keyring(current_app), current_app.config, query["ticket"], base_url() + CALLBACK_PATH
            )
        except (service.ConnectRefused, InvalidInput) as err:
            return page(status_of(err), "This link cannot connect Strava", err.message)
        response = redirect(auth.url, 302)
        response.set_cookie(
            NONCE_COOKIE,
            auth.nonce,
            max_age=service.STATE_TTL_S,
            path="/connect/strava",
            httponly=True,
            secure=request.is_secure,
            samesite="Lax",
        )
        return response


@blp.route(CALLBACK_PATH)
class StravaCallback(MethodView):
    @blp.arguments(CallbackQuery, location="query")
    @blp.response(200, description="a page: Strava is connected")
    @blp.alt_response(
        403,
        schema=PAGE,
        content_type="text/html",
        description="a page: declined, forged or from another browser",
    )
    @blp.alt_response(502, schema=PAGE, content_type="text/html", description="a page: Strava did not answer")
    def get(self, query: dict):
        """Finish connecting: check the state, exchange the code, store the tokens"""
        try:
            athlete = service.finish_connect(
                database(),
                keyring(current_app),
                current_app.config,
                state=query["state"],
                nonce=request.cookies.get(NONCE_COOKIE),
                code=query["code"],
                error=query["error"],
                scope=query["scope"],
            )
        except (service.ConnectRefused, NotFound, InvalidInput) as err:
            return page(status_of(err), "Strava was not connected", err.message)
        except TrackerError as err:
            log.warning("Strava token exchange failed: %s", err.message)
            return page(
                502, "Strava was not connected", "Strava did not answer as expected; try again later."
            )
        response = page(200, "Strava is connected", f"Stretching sessions of athlete {athlete} will sync.")
        response.delete_cookie(NONCE_COOKIE, path="/connect/strava")
        return response

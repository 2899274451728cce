"""Strava: the webhook subscription (handshake and events) and connecting an athlete's account.

Strava signs nothing (formats.md §3.2): the handshake proves the subscription is
ours through ``hub.verify_token``, and each event is only a pointer; the job
re-fetches the activity with the athlete's token before storing anything.
"""

from __future__ import annotations

import hmac
import logging

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from plugin.catalog.errors import InvalidInput
from plugin.formats import strava as strava_format
from plugin.services import strava as service
from plugin.web.context import database

log = logging.getLogger(__name__)

blp = Blueprint("strava", __name__, description="Strava webhook and account connection")


class HandshakeQuery(Schema):
    mode = fields.String(required=True, data_key="hub.mode")
    challenge = fields.String(required=True, data_key="hub.challenge")
    verify_token = fields.String(required=True, data_key="hub.verify_token")


class HandshakeAnswer(Schema):
    challenge = fields.String(data_key="hub.challenge")


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
        if query["mode"] != "subscribe" or not expected or not hmac.compare_digest(
            query["verify_token"].encode(), expected.encode()
        ):
            abort(403, message="hub.verify_token does not match this subscription")
        return {"challenge": query["challenge"]}

    @blp.response(200, EventAnswer)
    @blp.alt_response(400, description="the event is malformed; it is logged and ignored")
    def post(self):
        """Acknowledge a Strava event at once and hand it to a background job"""
        body = request.get_json(silent=True)
        try:
            event = strava_format.parse_event(body)
        except InvalidInput as err:
            log.warning("ignoring a malformed Strava event (%s: %s)", err.field, err.message)
            raise
        service.enqueue_event(current_app, database(), event)
        return {"status": "accepted", "event": event.key}

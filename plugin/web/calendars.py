"""Calendar subscriptions: the private iCal feed URL, plan changes, revocation, CalDAV push."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from werkzeug.http import http_date
from werkzeug.routing import BaseConverter

from plugin.config import keyring
from plugin.formats import fhir
from plugin.schemas import plans
from plugin.schemas.base import StrictSchema
from plugin.schemas.fields import DerivedDict, DerivedString
from plugin.schemas.plans import PlanSchema
from plugin.services import caldav as caldav_service
from plugin.services import calendar_lookup, feeds
from plugin.services import calendars as service
from plugin.services import fhir as fhir_service
from plugin.web import downloads
from plugin.web.context import base_url, database
from plugin.web.languages import browser_language

blp = Blueprint("calendars", __name__, description="Subscribable stretch calendars (iCal feed, CalDAV push)")


class TokenConverter(BaseConverter):
    """A token path segment: no dot, so ``/calendars/<token>`` never also matches ``<token>.ics``
    (each path answers, and advertises in Allow, only its own methods)."""

    regex = r"[^/.]+"


def token_parameter(_converter: BaseConverter) -> dict[str, str]:
    """How the OpenAPI document describes a token path parameter."""
    return {"type": "string", "pattern": r"^[^/.]+$"}


# Subscribed clients poll; no-cache makes each poll a cheap conditional GET (304) instead of a stale copy.
CACHE_CONTROL = "private, no-cache"


class PlanChangeSchema(PlanSchema):
    """The same fields, each optional: only what is given changes."""


class CalDavSchema(StrictSchema):
    url = fields.URL(
        required=True,
        schemes={"http", "https"},
        require_tld=False,
        metadata={
            "description": "the calendar collection, e.g. https://cloud.example/remote.php/dav/calendars/me/stretching/"
        },
    )
    username = fields.String(required=True, validate=validate.Length(1, 200))
    password = fields.String(required=True, load_only=True, validate=validate.Length(1, 1000))


class CalDavStateSchema(Schema):
    url = fields.String()
    username = fields.String()
    resources = fields.List(fields.String(), metadata={"description": "one resource per series"})
    pushed_at = fields.DateTime()


@dataclass(frozen=True)
class Shown:
    """A calendar as the API shows it: the service's view and the feed token, when known.

    Reached with the manage token, the feed token is unknown (only its hash is stored):
    the answer then has no feed URLs.
    """

    calendar: calendar_lookup.CalendarView
    token: str | None

    @property
    def urls(self) -> dict[str, str | None]:
        if self.token is None:
            return {"url": None, "webcal_url": None}
        return dict(feed_urls(self.token))


class CalendarSchema(PlanSchema):
    """A subscription: its plan (the plan's fields, stored form), feed URLs and state; never a secret."""

    id = fields.String(
        attribute="calendar.calendar_id", metadata={"description": "public id; part of every event UID"}
    )
    url = DerivedString(
        compute=lambda shown: shown.urls["url"],
        allow_none=True,
        metadata={"description": "the feed over https (or http); null when reached with the manage token"},
    )
    webcal_url = DerivedString(compute=lambda shown: shown.urls["webcal_url"], allow_none=True)
    sequence = fields.Integer(
        attribute="calendar.sequence",
        metadata={"description": "SEQUENCE of the events; bumped by each change"},
    )
    duration_s = DerivedDict(
        compute=lambda shown: {r.id: r.duration_s for r in shown.calendar.plan.routines},
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "seconds, per routine"},
    )
    caldav = fields.Nested(CalDavStateSchema, attribute="calendar.caldav", allow_none=True)
    caldav_error = fields.String(attribute="calendar.caldav_error", allow_none=True)

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr in plans.FIELDS:  # the plan's fields are the stored plan's
            return obj.calendar.spec.get(attr, default)
        return super().get_attribute(obj, attr, default)


@dataclass(frozen=True)
class Created(Shown):
    """A new subscription: also its manage token, shown this once."""

    manage_token: str = ""


class CreatedSchema(CalendarSchema):
    token = fields.String(metadata={"description": "the feed token: reads only; shown once, keep it private"})
    manage_token = fields.String(
        metadata={
            "description": "changes (PATCH /calendars/{manage_token}) and revokes (DELETE) the calendar; "
            "shown once, stored hashed; keep it apart from the feed URL"
        }
    )
    manage_url = DerivedString(
        compute=lambda created: manage_url(created.manage_token),
        metadata={"description": "the calendar's private management page (the same token)"},
    )


def manage_url(manage_token: str) -> str:
    """The private management page of a manage token."""
    return f"{base_url()}/manage/{manage_token}"


def feed_urls(token: str) -> dict[str, str]:
    """The feed's https (or http) URL and the same as webcal:// (the API and the subscribe page)."""
    url = f"{base_url()}/calendars/{token}.ics"
    return {"url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


@blp.route("/calendars")
class Calendars(MethodView):
    @blp.arguments(PlanSchema)
    @blp.response(201, CreatedSchema)
    def post(self, body: dict):
        """Subscribe: pick routines, days, times, timezone and reminders; get a private feed URL"""
        sent = request.get_json(silent=True)
        if not (isinstance(sent, dict) and "language" in sent):
            # Unsaid, the calendar speaks the subscriber's language (their Accept-Language).
            body["language"] = browser_language()
        with database().unit_of_work() as session:
            created = service.create_calendar(session, body)
            shown = Created(
                service.show_calendar(session, created.token), created.token, created.manage_token or ""
            )
        return shown, 201, {"Location": f"/calendars/{created.token}"}


@blp.route(
    "/calendars/<token:token>",
    parameters=[
        {
            "in": "path",
            "name": "token",
            "required": True,
            "schema": {"type": "string", "pattern": r"^[^/.]+$"},
            "description": "GET: the feed token; PATCH and DELETE: the manage token "
            "(POST /calendars gives both)",
        }
    ],
)
class CalendarByToken(MethodView):
    @blp.response(200, CalendarSchema)
    def get(self, token: str):
        """Show the plan behind a calendar's feed token"""
        with database().unit_of_work() as session:
            return Shown(service.show_calendar(session, token), token)

    @blp.arguments(PlanChangeSchema(partial=True))
    @blp.response(200, CalendarSchema)
    def patch(self, body: dict, token: str):
        """Change the plan, with the manage token (the feed token gets 404)

        Events keep their UIDs, SEQUENCE goes up, CalDAV copies follow. The answer carries
        no feed URL (null): the manage token is not the feed's.
        """
        return Shown(service.update_calendar(database(), token, body, keyring(current_app)), None)

    @blp.response(204)
    def delete(self, token: str):
        """Revoke the calendar, with the manage token (the feed token gets 404)

        The feed answers 410 from then on and pushed CalDAV events are deleted.
        """
        with database().unit_of_work() as session:
            service.revoke_calendar(session, token, keyring(current_app))


@blp.route("/calendars/<token>.ics")
class CalendarFeed(MethodView):
    # Documented with doc() rather than response(): this is the hot path calendar clients poll,
    # and it returns a ready Response, so no serialising wrapper is needed.
    @blp.doc(
        responses={
            "200": {
                "description": "the iCalendar feed (RFC 5545)",
                "content": {"text/calendar": {"schema": {"type": "string"}}},
            },
            "304": {"description": "the client's copy (If-None-Match / If-Modified-Since) is current"},
            "404": {"description": "no such calendar"},
            "410": {"description": "the calendar was revoked"},
        }
    )
    def get(self, token: str):
        """The iCalendar feed to subscribe to; conditional GET answers 304"""
        inm = request.if_none_match
        # RFC 9110 §13.1.3: If-Modified-Since only counts without If-None-Match.
        ims = None if inm else request.if_modified_since
        found = feeds.feed(database(), token, inm, ims)
        headers = {"ETag": found.etag, "Cache-Control": CACHE_CONTROL}
        if found.last_modified is not None:
            headers["Last-Modified"] = http_date(found.last_modified)
        if found.body is None:
            return Response(status=304, headers=headers)
        headers["Content-Disposition"] = downloads.attachment(found.filename)
        return Response(found.body, mimetype="text/calendar", headers=headers)


@blp.route(
    "/calendars/<token>/caldav",
    parameters=[
        {
            "in": "path",
            "name": "token",
            "required": True,
            "schema": {"type": "string"},
            "description": "the manage token of a calendar subscribed on its own (the feed token gets 404)",
        }
    ],
)
class CalendarCalDav(MethodView):
    @blp.arguments(CalDavSchema)
    @blp.response(200, CalendarSchema)
    def post(self, body: dict, token: str):
        """Push every series into a CalDAV calendar (Nextcloud, Radicale, iCloud, Fastmail)

        Takes the manage token: the feed token only reads. The answer carries no feed URL
        (null), as PATCH does. A calendar an installation owns has no manage token: 404.
        """
        found = caldav_service.push_caldav(
            database(),
            token,
            body["url"],
            body["username"],
            body["password"],
            keyring(current_app),
        )
        return Shown(found, None)


@blp.route("/calendars/<token>/fhir")
class CalendarCarePlan(MethodView):
    @blp.response(200, content_type=fhir.MEDIA_TYPE, description="the plan as a FHIR R4 CarePlan")
    def get(self, token: str):
        """The plan as a FHIR R4 CarePlan (days, times and time zone of each routine)"""
        with database().unit_of_work() as session:
            care_plan = fhir_service.care_plan_for_token(session, token)
        return Response(care_plan, mimetype=fhir.MEDIA_TYPE)

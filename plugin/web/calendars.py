"""Calendar subscriptions: the private iCal feed URL, plan changes, revocation, CalDAV push."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from werkzeug.http import http_date

from plugin.catalog import limits
from plugin.catalog.model import WEEKDAYS
from plugin.config import secret_key
from plugin.formats import fhir
from plugin.services import calendars as service
from plugin.services import fhir as fhir_service
from plugin.web.context import base_url, database
from plugin.web.schemas import StrictSchema

blp = Blueprint("calendars", __name__, description="Subscribable stretch calendars (iCal feed, CalDAV push)")

HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"
# Subscribed clients poll; no-cache makes each poll a cheap conditional GET (304) instead of a stale copy.
CACHE_CONTROL = "private, no-cache"


class PlanSchema(StrictSchema):
    routines = fields.List(
        fields.String(),
        required=True,
        validate=validate.Length(*limits.ROUTINES_PER_PLAN),
        metadata={"description": 'routine ids, e.g. ["daily-hamstring"]'},
    )
    days = fields.List(
        fields.String(validate=validate.OneOf(WEEKDAYS)),
        load_default=list(WEEKDAYS),
        validate=validate.Length(min=1),
        metadata={"description": "weekdays as in RRULE BYDAY; default every day"},
    )
    times = fields.List(
        fields.String(validate=validate.Regexp(HHMM, error="not a local time HH:MM (00:00-23:59)")),
        required=True,
        validate=validate.Length(*limits.TIMES_PER_DAY),
        metadata={"description": 'local times, e.g. ["07:30", "19:00"] for twice a day'},
    )
    timezone = fields.String(required=True, metadata={"description": "IANA name, e.g. Europe/Berlin"})
    reminders = fields.List(
        fields.Integer(strict=True, validate=validate.Range(*limits.REMINDER_MIN)),
        load_default=[10],
        validate=validate.Length(max=limits.REMINDERS_PER_EVENT),
        metadata={"description": "minutes before each session"},
    )
    start = fields.Date(metadata={"description": "first day; default the day the calendar is made"})
    name = fields.String(load_default="Stretching", validate=validate.Length(*limits.NAME_CHARS))


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


class CalendarSchema(Schema):
    id = fields.String(metadata={"description": "public id; part of every event UID"})
    url = fields.String(metadata={"description": "the feed over https (or http)"})
    webcal_url = fields.String()
    routines = fields.List(fields.String())
    days = fields.List(fields.String())
    times = fields.List(fields.String())
    timezone = fields.String()
    reminders = fields.List(fields.Integer())
    start = fields.String()
    name = fields.String()
    sequence = fields.Integer(metadata={"description": "SEQUENCE of the events; bumped by each change"})
    duration_s = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "seconds, per routine"}
    )
    caldav = fields.Nested(CalDavStateSchema, allow_none=True)
    caldav_error = fields.String(allow_none=True)


class CreatedSchema(CalendarSchema):
    token = fields.String(metadata={"description": "shown once; keep it private"})


def feed_urls(token: str) -> dict[str, str]:
    """The feed's https (or http) URL and the same as webcal:// (the API and the subscribe page)."""
    url = f"{base_url()}/calendars/{token}.ics"
    return {"url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


def _answer(found: service.CalendarView, token: str) -> dict[str, Any]:
    return {
        "id": found.calendar_id,
        **feed_urls(token),
        **found.spec,
        "sequence": found.sequence,
        "duration_s": {r.id: r.duration_s for r in found.plan.routines},
        "caldav": found.caldav,
        "caldav_error": found.caldav_error,
    }


def _secret() -> str:
    return secret_key(current_app)


@blp.route("/calendars")
class Calendars(MethodView):
    @blp.arguments(PlanSchema)
    @blp.response(201, CreatedSchema)
    def post(self, body: dict):
        """Subscribe: pick routines, days, times, timezone and reminders; get a private feed URL"""
        with database().unit_of_work() as session:
            created = service.create_calendar(session, body)
            shown = service.show_calendar(session, created.token)
            answer = {"token": created.token, **_answer(shown, created.token)}
        return answer, 201, {"Location": f"/calendars/{created.token}"}


@blp.route("/calendars/<token>")
class CalendarByToken(MethodView):
    @blp.response(200, CalendarSchema)
    def get(self, token: str):
        """Show the plan behind a calendar token"""
        with database().unit_of_work() as session:
            return _answer(service.show_calendar(session, token), token)

    @blp.arguments(PlanChangeSchema(partial=True))
    @blp.response(200, CalendarSchema)
    def patch(self, body: dict, token: str):
        """Change the plan: events keep their UIDs, SEQUENCE goes up, CalDAV copies follow"""
        return _answer(service.update_calendar(database(), token, body, _secret()), token)

    @blp.response(204)
    def delete(self, token: str):
        """Revoke the calendar: the feed answers 410 and pushed CalDAV events are deleted"""
        with database().unit_of_work() as session:
            service.revoke_calendar(session, token, _secret())


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
        found = service.feed(database(), token, inm, ims)
        headers = {"ETag": found.etag, "Cache-Control": CACHE_CONTROL}
        if found.last_modified is not None:
            headers["Last-Modified"] = http_date(found.last_modified)
        if found.body is None:
            return Response(status=304, headers=headers)
        headers["Content-Disposition"] = f'attachment; filename="{found.filename}"'
        return Response(found.body, mimetype="text/calendar", headers=headers)


@blp.route("/calendars/<token>/caldav")
class CalendarCalDav(MethodView):
    @blp.arguments(CalDavSchema)
    @blp.response(200, CalendarSchema)
    def post(self, body: dict, token: str):
        """Push every series into a CalDAV calendar (Nextcloud, Radicale, iCloud, Fastmail)"""
        found = service.push_caldav(
            database(),
            token,
            body["url"],
            body["username"],
            body["password"],
            _secret(),
            allow_private_hosts=bool(current_app.config.get("CALDAV_ALLOW_PRIVATE_HOSTS")),
        )
        return _answer(found, token)


@blp.route("/calendars/<token>/fhir")
class CalendarCarePlan(MethodView):
    @blp.response(200, content_type=fhir.MEDIA_TYPE, description="the plan as a FHIR R4 CarePlan")
    def get(self, token: str):
        """The plan as a FHIR R4 CarePlan (days, times and time zone of each routine)"""
        with database().unit_of_work() as session:
            care_plan = fhir_service.care_plan_for_token(session, token)
        return Response(fhir.dumps(care_plan), mimetype=fhir.MEDIA_TYPE)

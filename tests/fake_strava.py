"""A stand-in for Strava's API v3 and OAuth endpoints, played on pytest-httpserver.

From docs/strava.md and Strava's docs: ``POST /oauth/token`` (form body;
``authorization_code`` and ``refresh_token`` grants; every refresh hands out a
new refresh token and retires the old one), Bearer access tokens that expire
(401 with Strava's error body), ``GET /api/v3/athlete`` (the token's athlete),
``GET /api/v3/activities/{id}``,
``GET /api/v3/athlete/activities`` (after, before, page, per_page) and
``POST /api/v3/activities`` for manual activities (name, sport_type,
start_date_local, elapsed_time required).

The detail answers a DetailedActivity; the listing answers SummaryActivity, which
has no ``description`` (Strava's API reference, stravalib's generated models).

An athlete who revokes the app's access (``deauthorize``) invalidates every token
of that athlete and app: API calls with them answer 401, a refresh with them 400
naming ``refresh_token`` (Strava's deauthorize docs: "all requests made using
invalidated tokens will receive a 401").
"""

from __future__ import annotations

import itertools
import re
import secrets
from datetime import UTC, datetime
from typing import Any

from fake_api import FakeAPI, answer
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

CLIENT_ID = "54321"
CLIENT_SECRET = "s3cr3t-client"
ATHLETE_ID = 134815


def fault(resource: str, field: str, code: str, message: str, status: int) -> Response:
    return answer(
        {"message": message, "errors": [{"resource": resource, "field": field, "code": code}]}, status
    )


# DetailedActivity fields a SummaryActivity lacks (of those this fake plays).
DETAIL_ONLY = frozenset({"description"})


def summary(activity: dict) -> dict:
    """An activity as the listing shows it."""
    return {k: v for k, v in activity.items() if k not in DETAIL_ONLY}


class FakeStrava(FakeAPI):
    def __init__(self, server: HTTPServer, *, now: float) -> None:
        super().__init__(server)
        self.now = now  # the fake's clock, epoch seconds
        self.codes: dict[str, int] = {}  # authorization code → athlete id
        self.access: dict[str, float] = {}  # access token → expires_at
        self.refresh_tokens: set[str] = set()
        self.athlete_of: dict[str, int] = {}  # access or refresh token → its athlete
        self.activities: dict[int, dict] = {}
        self.ids = itertools.count(9_000_000_001)
        self.route("POST", "/oauth/token", "/oauth/token", self.token, auth=False)
        self.route(
            "GET", re.compile(r"^/api/v3/activities/\d+$"), "/api/v3/activities/<id>", self.get_activity
        )
        self.route("GET", "/api/v3/athlete/activities", "/api/v3/athlete/activities", self.list_activities)
        self.route("GET", "/api/v3/athlete", "/api/v3/athlete", self.get_athlete)
        self.route("POST", "/api/v3/activities", "/api/v3/activities", self.create_activity)

    # --- OAuth ------------------------------------------------------------------------------

    def issue(self, athlete_id: int = ATHLETE_ID, lifetime: int = 21600) -> dict[str, Any]:
        access, refresh = secrets.token_hex(20), secrets.token_hex(20)
        expires_at = int(self.now) + lifetime
        self.access[access] = expires_at
        self.refresh_tokens.add(refresh)
        self.athlete_of[access] = self.athlete_of[refresh] = athlete_id
        return {
            "token_type": "Bearer",
            "access_token": access,
            "refresh_token": refresh,
            "expires_at": expires_at,
            "expires_in": lifetime,
            "athlete": {"id": athlete_id},
        }

    def token(self, request: Request) -> Response:
        form = request.form
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return fault("Application", "client_id", "invalid", "Bad Request", 400)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            athlete = self.codes.pop(form.get("code", ""), None)
            if athlete is None:
                return fault("AuthorizationCode", "code", "invalid", "Bad Request", 400)
            return answer(self.issue(athlete))
        if grant == "refresh_token":
            old = form.get("refresh_token", "")
            if old not in self.refresh_tokens:
                return fault("RefreshToken", "refresh_token", "invalid", "Bad Request", 400)
            self.refresh_tokens.discard(old)  # rotated: the old one no longer works
            issued = self.issue(self.athlete_of.get(old, ATHLETE_ID))
            del issued["athlete"]  # a refresh answer carries no athlete
            return answer(issued)
        return fault("Application", "grant_type", "invalid", "Bad Request", 400)

    def authorize(self, request: Request) -> Response | None:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ")
        if not header.startswith("Bearer ") or self.access.get(token, 0) <= self.now:
            return fault("Athlete", "access_token", "invalid", "Authorization Error", 401)
        return None

    def deauthorize(self, athlete_id: int = ATHLETE_ID) -> None:
        """The athlete revokes the app's access: every token of theirs stops working."""
        revoked = {t for t, a in self.athlete_of.items() if a == athlete_id}
        self.access = {t: e for t, e in self.access.items() if t not in revoked}
        self.refresh_tokens -= revoked

    def get_athlete(self, request: Request) -> Response:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        athlete_id = self.athlete_of[token]
        return answer({"id": athlete_id, "resource_state": 3, "firstname": "Ada", "lastname": "Lovelace"})

    def expire_all(self) -> None:
        """Every access token stops working at once, as after a revocation."""
        self.access.clear()

    # --- activities -------------------------------------------------------------------------

    def add(self, **fields: Any) -> dict:
        activity_id = fields.pop("id", None) or next(self.ids)
        activity = {
            "id": activity_id,
            "external_id": None,
            "name": "Activity",
            "sport_type": "Workout",
            "type": "Workout",
            "start_date": "2026-11-20T07:00:00Z",
            "start_date_local": "2026-11-20T08:00:00Z",
            "timezone": "(GMT+01:00) Europe/Berlin",
            "elapsed_time": 600,
            "moving_time": 600,
            "manual": True,
            "private": False,
            "description": None,
            "athlete": {"id": ATHLETE_ID},
            **fields,
        }
        self.activities[activity_id] = activity
        return activity

    def get_activity(self, request: Request) -> Response:
        activity = self.activities.get(int(request.path.rsplit("/", 1)[1]))
        if activity is None:
            return fault("Activity", "id", "not found", "Record Not Found", 404)
        return answer(activity)

    def list_activities(self, request: Request) -> Response:
        try:
            after = int(request.args.get("after", 0))
            before = int(request.args.get("before", 2**40))
            page = int(request.args.get("page", 1))
            per_page = int(request.args.get("per_page", 30))
        except ValueError:
            return fault("Application", "after", "invalid", "Bad Request", 400)
        if not 1 <= per_page <= 200 or page < 1:
            return fault("Application", "per_page", "invalid", "Bad Request", 400)

        def started(a: dict) -> float:
            return datetime.fromisoformat(a["start_date"].replace("Z", "+00:00")).timestamp()

        chosen = sorted((a for a in self.activities.values() if after < started(a) < before), key=started)
        return answer([summary(a) for a in chosen[(page - 1) * per_page : page * per_page]])

    def create_activity(self, request: Request) -> Response:
        form = request.form
        missing = [k for k in ("name", "start_date_local", "elapsed_time") if not form.get(k)]
        if not form.get("sport_type") and not form.get("type"):
            missing.append("sport_type")
        if missing:
            return fault("Activity", missing[0], "missing", "Bad Request", 400)
        try:
            local = datetime.strptime(form["start_date_local"], "%Y-%m-%dT%H:%M:%SZ")
            elapsed = int(form["elapsed_time"])
        except ValueError:
            return fault("Activity", "start_date_local", "invalid", "Bad Request", 400)
        # The athlete's zone here is UTC+1: Strava derives start_date from the local time.
        start = datetime.fromtimestamp(local.replace(tzinfo=UTC).timestamp() - 3600, UTC)
        activity = self.add(
            name=form["name"],
            sport_type=form.get("sport_type") or form["type"],
            type=form.get("sport_type") or form["type"],
            start_date=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            start_date_local=form["start_date_local"],
            elapsed_time=elapsed,
            moving_time=elapsed,
            description=form.get("description"),
        )
        return answer(activity, 201)

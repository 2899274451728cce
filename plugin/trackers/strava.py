"""Strava API v3 client: OAuth tokens, activities read, manual activities posted (docs/strava.md).

Access tokens last about six hours. The client refreshes one shortly before it
expires, and once more when Strava answers 401; each refresh may hand back a
new refresh token, which replaces the old one at once (Strava's oauth-updates
page), so ``on_tokens`` is called with every new set before anything else runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import requests

from plugin import outbound
from plugin.catalog.model import CompletedSession, Plan, Routine
from plugin.clock import now as utc_now
from plugin.errors import InvalidInput
from plugin.formats import strava
from plugin.formats.timestamps import parse_aware
from plugin.trackers.base import TIMEOUT, Credentials, PullOutcome, PullScope, PushOutcome, TrackerError, send

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://www.strava.com/api/v3"
DEFAULT_OAUTH_URL = "https://www.strava.com/oauth"
# Read every activity (private ones too, and privacy changes) and create activities (docs/strava.md#oauth).
SCOPES = "read,activity:read_all,activity:write"
REFRESH_MARGIN_S = 300  # refresh when less than this is left of the access token
LIST_PAGE_SIZE = 100


@dataclass(frozen=True)
class StravaTokens:
    access_token: str
    refresh_token: str
    expires_at: int  # epoch seconds

    def as_dict(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
        }

    @classmethod
    def from_answer(cls, answer: Any) -> StravaTokens:
        """Tokens from Strava's token endpoint answer; TrackerError if any is missing."""
        if not isinstance(answer, Mapping):
            raise TrackerError("token answer is not a JSON object", status=502)
        access, refresh = answer.get("access_token"), answer.get("refresh_token")
        expires = answer.get("expires_at")
        if not (isinstance(access, str) and access and isinstance(refresh, str) and refresh):
            raise TrackerError("token answer lacks access_token or refresh_token", status=502)
        if not isinstance(expires, int) or isinstance(expires, bool):
            raise TrackerError("token answer lacks an integer expires_at", status=502)
        return cls(access, refresh, expires)


@dataclass(frozen=True)
class StravaApp:
    """The registered Strava application and where its APIs live (configurable for tests)."""

    client_id: str
    client_secret: str
    api_url: str = DEFAULT_API_URL
    oauth_url: str = DEFAULT_OAUTH_URL

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        """Strava's authorization page for this app, with our ``state`` to check on return."""
        query = urlencode(
            {
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "approval_prompt": "auto",
                "scope": SCOPES,
                "state": state,
            }
        )
        return f"{self.oauth_url.rstrip('/')}/authorize?{query}"


def _json(response: requests.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise TrackerError(f"{what}: Strava answered with something that is not JSON", status=502) from None


def token_request(
    app: StravaApp, form: Mapping[str, str], what: str, http: requests.Session, timeout: tuple[float, float]
) -> Any:
    """One POST to Strava's token endpoint with the app's credentials; the JSON answer."""
    body = {"client_id": app.client_id, "client_secret": app.client_secret, **form}
    response = send(http, "POST", f"{app.oauth_url.rstrip('/')}/token", what, data=body, timeout=timeout)
    return _json(response, what)


def exchange_code(
    app: StravaApp, code: str, session: requests.Session | None = None, timeout: tuple[float, float] = TIMEOUT
) -> tuple[StravaTokens, int]:
    """Trade an authorization code for tokens; returns them with the athlete id."""
    answer = token_request(
        app,
        {"code": code, "grant_type": "authorization_code"},
        "exchange the authorization code",
        session or outbound.new_session(),
        timeout,
    )
    tokens = StravaTokens.from_answer(answer)
    athlete = answer.get("athlete")
    athlete_id = athlete.get("id") if isinstance(athlete, Mapping) else None
    if not isinstance(athlete_id, int) or isinstance(athlete_id, bool):
        raise TrackerError("token answer lacks athlete.id", status=502)
    return tokens, athlete_id


class TokenRefused(TrackerError):
    """Strava refuses the athlete's tokens: the refresh token is rejected, or a fresh access token is.

    What an athlete's revocation of our access looks like (docs/strava.md#deauthorization).
    """


class StravaTracker:
    """One athlete's Strava account, reached with OAuth tokens that refresh themselves."""

    key = "strava"
    # Nothing is pushed (push refuses); the push service still names a format for its digest.
    format = "json"

    def __init__(
        self,
        app: StravaApp,
        tokens: StravaTokens,
        on_tokens: Callable[[StravaTokens], None] | None = None,
        session: requests.Session | None = None,
        clock: Callable[[], float] = lambda: utc_now().timestamp(),
        timeout: tuple[float, float] = TIMEOUT,
        sport_types: frozenset[str] = frozenset(),
        posted_ids: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.sport_types = sport_types  # the installation's stretchingSportTypes
        self.posted_ids = posted_ids  # activities we posted for sessions done elsewhere
        self.tokens = tokens
        self.on_tokens = on_tokens
        self.http = session or outbound.new_session()
        self.clock = clock
        self.timeout = timeout

    # --- tokens ------------------------------------------------------------------

    def refresh(self) -> StravaTokens:
        """Get a new access token; keep the refresh token Strava returns (it may be new)."""
        form = {"grant_type": "refresh_token", "refresh_token": self.tokens.refresh_token}
        try:
            answer = token_request(self.app, form, "refresh the access token", self.http, self.timeout)
        except TrackerError as err:
            # 400 naming refresh_token: revoked or retired (a 400 naming client_id is our setup).
            if err.status == 401 or (err.status == 400 and "refresh_token" in err.excerpt):
                raise TokenRefused(err.message, status=401) from err
            raise
        self.tokens = StravaTokens.from_answer(answer)
        if self.on_tokens:
            self.on_tokens(self.tokens)
        return self.tokens

    def _call(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        if self.tokens.expires_at - self.clock() < REFRESH_MARGIN_S:
            self.refresh()
        url = f"{self.app.api_url.rstrip('/')}{path}"
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.tokens.access_token}", "Accept": "application/json"}
            try:
                response = send(self.http, method, url, what, headers=headers, timeout=self.timeout, **kwargs)
                return _json(response, what)
            except TrackerError as err:
                if err.status == 401 and attempt == 2:
                    raise TokenRefused(err.message, status=401) from err
                if err.status != 401:
                    raise
                log.info("Strava answered 401 to %s; refreshing the token once", what)
                self.refresh()
        raise AssertionError("unreachable")

    def athlete(self) -> Any:
        """``GET /athlete``: the athlete the token belongs to; TokenRefused once access is revoked."""
        return self._call("GET", "/athlete", "read the athlete")

    # --- activities ----------------------------------------------------------------

    def activity(self, activity_id: int) -> Any:
        """``GET /activities/{id}``: the DetailedActivity as Strava sent it."""
        return self._call(
            "GET",
            f"/activities/{int(activity_id)}",
            "read the activity",
            params={"include_all_efforts": "false"},
        )

    def activities(self, after: int, before: int | None = None) -> list[Any]:
        """Every activity of the athlete started after ``after`` (and before ``before``), oldest first."""
        found: list[Any] = []
        page = 1
        while True:
            params: dict[str, Any] = {"after": after, "page": page, "per_page": LIST_PAGE_SIZE}
            if before is not None:
                params["before"] = before
            batch = self._call("GET", "/athlete/activities", "list activities", params=params)
            if not isinstance(batch, list):
                raise TrackerError("list activities: the answer is not a list", status=502)
            found += batch
            if len(batch) < LIST_PAGE_SIZE:
                return found
            page += 1

    def find_posted(self, fields: Mapping[str, Any]) -> int | None:
        """An activity we may have posted: same name, start ±1 minute (docs/strava.md#manual-activities)."""
        started = parse_aware(fields["start_date_local"], "start_date_local")
        after = int((started - timedelta(minutes=1)).timestamp())
        before = int((started + timedelta(minutes=1)).timestamp())
        # Strava's after/before compare with start_date (UTC); the local start can be hours away.
        for activity in self.activities(after - 14 * 3600, before + 14 * 3600):
            if not isinstance(activity, Mapping) or activity.get("name") != fields["name"]:
                continue
            local = activity.get("start_date_local")
            if isinstance(local, str) and local[:19] == fields["start_date_local"][:19]:
                return int(activity["id"])
        return None

    def post_session(
        self,
        session: CompletedSession,
        routine_name: str | None = None,
        exercise_names: Mapping[str, str] | None = None,
        sport_type: str = strava.DEFAULT_SPORT_TYPE,
    ) -> int:
        """Post a completed session as a manual activity once; returns the activity id.

        A manual activity has no external_id (docs/strava.md#manual-activities), so before posting, look for
        one an earlier attempt (maybe timed out) already made.
        """
        fields = strava.manual_activity(session, routine_name, exercise_names, sport_type)
        existing = self.find_posted(fields)
        if existing is not None:
            return existing
        answer = self._call("POST", "/activities", "create the activity", data=fields)
        activity_id = answer.get("id") if isinstance(answer, Mapping) else None
        if not isinstance(activity_id, int) or isinstance(activity_id, bool):
            raise TrackerError("create the activity: the answer has no id", status=502, retryable=True)
        return activity_id

    # --- the tracker contract ------------------------------------------------------

    def push(
        self, routine: Routine, plan: Plan | None, state: dict[str, Any], *, message_id: str | None = None
    ) -> PushOutcome:
        """Strava has no planned workouts: no routine can go there (docs/strava.md#manual-activities)."""
        raise TrackerError("Strava takes completed sessions only; it has no routines or planned workouts")

    def pull(
        self, cursor: str | None, routines_by_remote_id: dict[str, str], scope: PullScope | None = None
    ) -> PullOutcome:
        """Stretching activities started after ``cursor`` (epoch seconds), as sessions.

        ``routines_by_remote_id`` maps routine names (Strava's only link to a
        routine) to routine ids. A listing gives SummaryActivity, which has no
        description (docs/strava.md#reading-activities): each activity that may be
        ours is read again in detail, for its notes and for our marker.
        """
        after = int(cursor) if cursor and cursor.isdigit() else 0
        sessions: list[CompletedSession] = []
        newest = after
        for summary in self.activities(after):
            if not isinstance(summary, Mapping):
                continue
            try:
                started = int(parse_aware(summary.get("start_date"), "start_date").timestamp())
            except InvalidInput:
                started = newest
            newest = max(newest, started)
            if str(summary.get("id")) in self.posted_ids:
                continue  # our own post of a session done elsewhere: already stored
            if not self.may_be_ours(summary, routines_by_remote_id):
                continue
            parsed = self.detailed_session(summary.get("id"), routines_by_remote_id)
            if parsed is not None:
                sessions.append(parsed)
        return PullOutcome(sessions=sessions, cursor=str(newest))

    def may_be_ours(self, summary: Mapping[str, Any], routine_ids_by_name: Mapping[str, str]) -> bool:
        """Whether a listed activity is worth reading in detail.

        Only the detail shows our marker, and we post only as one of POST_SPORT_TYPES: a
        ride or a run with a name of its own cannot be ours, so it costs no request
        (Strava allows 200 requests per 15 minutes).
        """
        return (
            strava.is_stretching(summary, routine_ids_by_name, self.sport_types)
            or summary.get("sport_type") in strava.POST_SPORT_TYPES
        )

    def detailed_session(
        self, activity_id: Any, routine_ids_by_name: Mapping[str, str]
    ) -> CompletedSession | None:
        """The session a listed activity's detail makes; None if it is not ours, gone or malformed."""
        if not isinstance(activity_id, int) or isinstance(activity_id, bool):
            log.warning("skipping a Strava activity: the listing gave no integer id")
            return None
        try:
            detail = self.activity(activity_id)
        except TrackerError as err:
            if err.status == 404:  # deleted between the listing and now
                return None
            raise
        try:
            return strava.parse_activity(detail, routine_ids_by_name, self.sport_types)
        except InvalidInput as err:
            log.warning("skipping a Strava activity: %s", err.message)
            return None


def from_credentials(credentials: Credentials, state: dict[str, Any]) -> StravaTracker:
    """A client from a Strava installation's credentials (the tracker registry's factory).

    The host installs with clientId, clientSecret, accessToken, refreshToken,
    expiresAt and stretchingSportTypes. Whoever builds it sets ``on_tokens`` to save the
    tokens a refresh hands out (plugin.services.strava.token_keeper).
    """
    extra = credentials.extra
    connected = extra.get("strava")
    saved: dict[str, Any] = connected if isinstance(connected, dict) else {}
    access = saved.get("access_token") or extra.get("accessToken") or credentials.token
    refresh = saved.get("refresh_token") or extra.get("refreshToken")
    if not access or not refresh:
        raise TrackerError("this installation has not connected a Strava account")
    app = StravaApp(str(extra.get("clientId") or ""), str(extra.get("clientSecret") or ""))
    strava_state = state.get("strava")
    return StravaTracker(
        app,
        StravaTokens(access, refresh, int(saved.get("expires_at") or extra.get("expiresAt") or 0)),
        sport_types=strava.stretching_sport_types(extra.get("stretchingSportTypes")),
        posted_ids=posted_activity_ids(strava_state if isinstance(strava_state, dict) else {}),
    )


def posted_activity_ids(strava_state: Mapping[str, Any]) -> frozenset[str]:
    """The activities we posted (tracker state ``strava.posted``: session id → activity id)."""
    posted = strava_state.get("posted")
    return frozenset(str(v) for v in posted.values()) if isinstance(posted, Mapping) else frozenset()


class StravaFactory:
    """The tracker registry's factory: ``from_credentials``, naming the payload's format."""

    format = StravaTracker.format

    def __call__(self, credentials: Credentials, state: dict[str, Any], /) -> StravaTracker:
        return from_credentials(credentials, state)

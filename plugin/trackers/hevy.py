"""Hevy public API v1 client: routines in, completed workouts back (docs/hevy.md).

Hevy has no DELETE and no idempotency keys, so a POST that timed out may still
have created the routine. Before any POST this client looks for the routine it
may already have made (by the id it remembers, else by listing the account's
routines for our title and exercise templates) and updates that one instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import requests

from plugin import catalog, outbound
from plugin.catalog.model import CompletedSession, Plan, Routine, RoutineEntry
from plugin.errors import InvalidInput
from plugin.formats import hevy
from plugin.trackers.base import TIMEOUT, Credentials, PullOutcome, PullScope, PushOutcome, TrackerError, send

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.hevyapp.com"
TEMPLATES_PAGE_SIZE = 100  # the documented maximum for exercise_templates (docs/hevy.md#conventions)
PAGE_SIZE = 10  # the documented maximum for routines and workout events (docs/hevy.md#conventions)
EPOCH = "1970-01-01T00:00:00Z"  # the documented default of `since`


def error_reason(err: TrackerError) -> str:
    """Hevy's own words for a refusal: the ``error`` string of its JSON body, or the body."""
    # base.raise_for_response writes "<what>: HTTP <status>: <body>".
    body = err.message.split(f"HTTP {err.status}: ", 1)[-1]
    try:
        parsed = json.loads(body)
    except ValueError:
        return body.strip()
    if isinstance(parsed, Mapping) and isinstance(parsed.get("error"), str):
        return parsed["error"]
    return body.strip()


def refused(err: TrackerError, what: str) -> TrackerError:
    """A 403 limit as a final failure carrying Hevy's reason: waiting will not lift it."""
    return TrackerError(f"Hevy refused {what}: {error_reason(err)}", status=err.status, retryable=False)


def body_digest(body: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


class HevyTracker:
    """One Hevy account, reached with its ``api-key``."""

    key = "hevy"
    format = "hevy"  # the export format (plugin.formats.registry) this client sends

    def __init__(
        self,
        credentials: Credentials,
        state: dict[str, Any] | None = None,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = TIMEOUT,
    ) -> None:
        if not credentials.token:
            raise TrackerError("Hevy needs an API key (hevy.com/settings?developer)", status=401)
        self.api_url = (credentials.base_url or DEFAULT_API_URL).rstrip("/")
        # Installation-wide memory: templates found or made, shared by every routine.
        self.state = state if state is not None else {}
        self.state.setdefault("templates", {})
        self.http = session or outbound.new_session()
        # docs/hevy.md#conventions: the key goes in an `api-key` header, not Authorization.
        self.http.headers.update({"api-key": credentials.token, "Accept": "application/json"})
        self.timeout = timeout
        self._listing: list[Mapping[str, Any]] | None = None

    # --- plumbing ------------------------------------------------------------

    def _json(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        response = send(self.http, method, f"{self.api_url}{path}", what, timeout=self.timeout, **kwargs)
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            raise TrackerError(f"{what}: Hevy answered with something that is not JSON", status=502) from None

    def _pages(self, path: str, key: str, page_size: int, what: str, **params: Any) -> Iterator[Any]:
        """Every item of a paginated collection: ``{page, page_count, <key>: [...]}``."""
        page = 1
        while True:
            body = self._json("GET", path, what, params={**params, "page": page, "pageSize": page_size})
            items = body.get(key) if isinstance(body, Mapping) else None
            if not isinstance(items, list):
                raise TrackerError(f"{what}: the answer has no {key!r} list", status=502)
            yield from items
            page_count = body.get("page_count", page)
            if not isinstance(page_count, int) or page >= page_count:
                return
            page += 1

    def check(self) -> None:
        """Read one routine of the account: Hevy answers 401 to a key it does not know."""
        self._json("GET", "/v1/routines", "check the API key", params={"page": 1, "pageSize": 1})

    # --- exercise templates ------------------------------------------------------

    def _templates(self) -> list[Mapping[str, Any]]:
        if self._listing is None:
            self._listing = [
                t
                for t in self._pages(
                    "/v1/exercise_templates",
                    "exercise_templates",
                    TEMPLATES_PAGE_SIZE,
                    "list exercise templates",
                )
                if isinstance(t, Mapping)
            ]
        return self._listing

    def template_for(self, entry: RoutineEntry) -> str:
        """A template fitting this entry: remembered, found by title and type, or created once."""
        wanted_type = hevy.template_type(entry)
        memo_key = f"{entry.exercise.id}/{wanted_type}"
        remembered = self.state["templates"].get(memo_key)
        if remembered:
            return remembered
        title = entry.exercise.name.casefold()
        for template in self._templates():
            if str(template.get("title", "")).casefold() == title and template.get("type") == wanted_type:
                found = str(template["id"])
                break
        else:
            try:
                made = self._json(
                    "POST",
                    "/v1/exercise_templates",
                    "create a custom exercise template",
                    json=hevy.template_request(entry),
                )
            except TrackerError as err:
                if err.status == 403:  # "exceeds-custom-exercise-limit" (docs/hevy.md#conventions)
                    raise refused(err, "a custom exercise") from err
                raise
            if not isinstance(made, Mapping) or made.get("id") in (None, ""):
                raise TrackerError("create a custom exercise template: the answer has no id", status=502)
            # The spec's example gives an integer id; routines take template ids as strings.
            found = str(made["id"])
            self._listing = None
        self.state["templates"][memo_key] = found
        return found

    def exercise_ids(self) -> hevy.ExerciseIds:
        """How a workout's exercises map to ours: templates this installation remembers, else titles.

        Custom templates carry our exercise names as titles, so a title still
        maps when the installation state was lost.
        """
        by_template = {tid: key.split("/", 1)[0] for key, tid in self.state["templates"].items()}
        return by_template, {ex.name.casefold(): ex.id for ex in catalog.exercises()}

    # --- routines ----------------------------------------------------------------

    def find_routine(self, routine: Routine, body: Mapping[str, Any]) -> str | None:
        """Our routine in the account, if an earlier POST made it: same title and our marker or templates."""
        sent = body["routine"]
        wanted_templates = [e["exercise_template_id"] for e in sent["exercises"]]
        for candidate in self._pages("/v1/routines", "routines", PAGE_SIZE, "list routines"):
            if not isinstance(candidate, Mapping) or candidate.get("title") != sent["title"]:
                continue
            notes = candidate.get("notes")
            if isinstance(notes, str):
                if hevy.marker(routine) in notes:
                    return str(candidate["id"])
                continue
            # The documented Routine object has no routine-level notes: compare the templates.
            exercises = [e for e in candidate.get("exercises") or [] if isinstance(e, Mapping)]
            if [e.get("exercise_template_id") for e in exercises] == wanted_templates:
                return str(candidate["id"])
        return None

    @staticmethod
    def routine_id(answer: Any) -> str | None:
        """A created routine's id as the answer gives it, if it does.

        The spec answers a bare ``Routine``; community guides report it wrapped in
        "routine", or in a list too; since 2026 Hevy may answer 201 with no body at all
        (docs/hevy.md#routine-bodies).
        """
        inner = answer.get("routine", answer) if isinstance(answer, Mapping) else answer
        if isinstance(inner, list) and inner:
            inner = inner[0]
        if isinstance(inner, Mapping) and inner.get("id") not in (None, ""):
            return str(inner["id"])
        return None

    def create(self, routine: Routine, body: Mapping[str, Any]) -> str:
        """POST the routine once and return its id, from the answer or else from the listing."""
        try:
            answer = self._json("POST", "/v1/routines", "create the routine", json=body)
        except TrackerError as err:
            if err.status == 403:  # "Routine limit exceeded": final (docs/hevy.md#conventions)
                raise refused(err, "the routine") from err
            raise
        made = self.routine_id(answer)
        if made:
            return made
        # A 2xx is Hevy's word that the routine exists. Without its id in the answer, the
        # listing names it: the lookup before the POST found none of ours, so a match is new.
        made = self.find_routine(routine, body)
        if made:
            return made
        # Not listed yet: the retry's lookup before any POST finds it, so no second routine.
        raise TrackerError(
            "create a routine: Hevy made it but neither its answer nor its listing names it yet",
            status=502,
            retryable=True,
        )

    def _update(self, remote_id: str, routine: Routine, template_ids: Mapping[str, str]) -> None:
        self._json(
            "PUT",
            f"/v1/routines/{remote_id}",
            "update the routine",
            json=hevy.update_body(routine, template_ids),
        )

    def push(
        self, routine: Routine, plan: Plan | None, state: dict[str, Any], *, message_id: str | None = None
    ) -> PushOutcome:
        """Create the routine once, then update it in place on every later push."""
        # Templates this routine used last time count as remembered, even if the installation forgot.
        self.state["templates"] = {**state.get("template_memo", {}), **self.state["templates"]}
        template_ids = {e.exercise.id: self.template_for(e) for e in routine.entries}
        body = hevy.routine_body(routine, template_ids)
        remote_id = state.get("routine_id")
        if remote_id:
            try:
                self._update(remote_id, routine, template_ids)
            except TrackerError as err:
                if err.status != 404:  # 404: deleted in the app, or no longer this account's
                    raise
                log.info("Hevy routine %s is gone; looking for it before making a new one", remote_id)
                remote_id = None
        if not remote_id:
            remote_id = self.find_routine(routine, body)
            if remote_id:
                self._update(remote_id, routine, template_ids)
            else:
                remote_id = self.create(routine, body)
        return PushOutcome(
            remote_ids={"routine": remote_id},
            state={
                "routine_id": remote_id,
                "templates": template_ids,
                "template_memo": {
                    f"{e.exercise.id}/{hevy.template_type(e)}": template_ids[e.exercise.id]
                    for e in routine.entries
                },
                "sent_sha256": body_digest(body),
            },
        )

    # --- completed workouts ------------------------------------------------------

    def pull(
        self, cursor: str | None, routines_by_remote_id: dict[str, str], scope: PullScope | None = None
    ) -> PullOutcome:
        """Workout events since ``cursor``: workouts of our routines as sessions, deletions as ids."""
        since = cursor or EPOCH
        exercise_ids = self.exercise_ids()
        seen: set[str] = set()
        sessions: list[CompletedSession] = []
        deleted: list[str] = []
        latest: datetime | None = None
        page = 1
        while True:
            body = self._json(
                "GET",
                "/v1/workouts/events",
                "list workout events",
                params={"page": page, "pageSize": PAGE_SIZE, "since": since},
            )
            try:
                events = hevy.parse_events(body)
            except InvalidInput as err:
                raise TrackerError(f"list workout events: {err.field}: {err.message}", status=502) from err
            # Events come newest first: the first one seen for a workout is its current state.
            for kind, payload in events.events:
                workout_id = payload if kind == "deleted" else payload.get("id")
                if not isinstance(workout_id, str) or workout_id in seen:
                    continue
                seen.add(workout_id)
                if kind == "deleted":
                    deleted.append(workout_id)
                    continue
                routine_id = routines_by_remote_id.get(str(payload.get("routine_id")))
                if routine_id is None:
                    continue  # not a routine we pushed
                try:
                    sessions.append(hevy.parse_workout(payload, routine_id, exercise_ids))
                except InvalidInput as err:
                    log.warning("skipping Hevy workout %s: %s", workout_id, err.message)
            if events.latest and (latest is None or events.latest > latest):
                latest = events.latest
            if page >= events.page_count:
                break
            page += 1
        next_cursor = latest.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if latest else since
        return PullOutcome(sessions=sessions, deleted=deleted, cursor=next_cursor)

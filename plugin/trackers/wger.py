"""wger REST client: push a routine as a workout (2.1) or routine (2.3+), pull sessions back.

Auth is wger's permanent DRF token, ``Authorization: Token <key>``
(docs/wger.md#authentication). The API generation is read from the API root's route list: ``routine``
means 2.3+, ``workout`` means the 2.1 API.

Never a duplicate: the first push creates the workout and its id goes into the
push state; later pushes PATCH that workout and replace its days (wger deletes a
day's sets and settings with it). A push that failed half way left no state,
so before creating anything the client looks for a workout whose description
ends with our ``stretchsync routine: <id>`` line and takes that one over.

Exercises (docs/wger.md#what-a-person-sees): wger's exercise list is searched
for the same stretch (terms in ``plugin.formats.wger.matching.SEARCH_TERMS``,
exact names). When the server has none, the installation's ``fallback_exercise``
(a wger exercise id in the credentials' extra, one the server's admin made to
stand for any stretch) is used; else, on wger 2.1, our own exercise is added
(exercise base and English translation with our name and steps) where the user
may add exercises, once per server: later pushes find it by its name; else the
set is sent without a setting and its comment (shown on wger's workout page)
carries our exercise's name, side and dose. Another exercise is never shown as
the one to do. The setting comment always names our exercise, which is how logs
are read back.

Sessions back: every pull reads the look-back window again (all history the first
time), since wger sessions change after they are made; each day becomes one
completed session per bout, in the installation's local time
(docs/wger.md#sessions-back, ``plugin.formats.wger.sessions``).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import requests
from urllib3.util.retry import Retry

from plugin import clock, outbound
from plugin.catalog.model import CompletedSession, Exercise, Plan, Routine
from plugin.formats.wger import matching
from plugin.formats.wger.api import MARKER
from plugin.formats.wger.build import routine_requests, workout_requests
from plugin.formats.wger.placeholders import placeholders, resolve, without_exercises
from plugin.formats.wger.sessions import (
    PlannedExercise,
    completed_sessions,
    planned_from_canonical,
    planned_from_entries,
)
from plugin.trackers.base import TIMEOUT, Credentials, PullOutcome, PullScope, PushOutcome, TrackerError, send

PAGE = 100
GEN_21 = "2.1"
GEN_23 = "2.3"
ENGLISH = 2  # wger's language pk for English (core fixture languages.json)
STATE_EXERCISES = "exercise_ids"


def make_session(token: str | None, retries: int = 3) -> requests.Session:
    """A session with the token header and retries for idempotent calls and refused connections."""
    session = outbound.new_session()
    session.headers.update({"Accept": "application/json"})
    if token:
        session.headers["Authorization"] = f"Token {token}"
    # A refused connection is retried for every method (nothing was sent); a 502/503/504
    # only for idempotent ones, since a retried POST could create a second object.
    # Retry-After is left to the job queue (TrackerError.retry_after), not slept on here.
    retry = Retry(
        total=retries,
        connect=retries,
        read=0,
        status=retries,
        backoff_factor=0.3,
        status_forcelist=(502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"}),
        raise_on_status=False,
        respect_retry_after_header=False,
    )
    adapter = outbound.GuardedAdapter(outbound.current_policy(), max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class WgerTracker:
    key = "wger"
    format = "wger"  # plugin.formats.registry: the payload, as the JSON list of 2.1 requests

    def __init__(
        self,
        credentials: Credentials,
        state: dict[str, Any] | None = None,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = TIMEOUT,
        retries: int = 3,
    ) -> None:
        if not credentials.base_url:
            raise TrackerError("wger: base_url is required")
        self.base_url = credentials.base_url.rstrip("/")
        self.extra = dict(credentials.extra)
        self.state = dict(state or {})
        self.session = session or make_session(credentials.token, retries)
        self.timeout = timeout
        self._generation: str | None = None  # asked once per client: a server may be upgraded
        self._units: dict[str, int] | None = None
        # "exercise_ids", not the older "exercises": ids chosen when stand-ins were still
        # used must not come back (docs/wger.md#what-a-person-sees).
        self._exercise_ids: dict[str, int] = {
            k: int(v) for k, v in self.state.get(STATE_EXERCISES, {}).items()
        }
        self._searches: dict[str, list[tuple[int, str]]] = {}
        self._may_add_exercises: bool | None = None  # learnt from the first attempt
        self._categories: dict[str, int] | None = None

    # --- HTTP -------------------------------------------------------------------

    def _url(self, path: str) -> str:
        path = path.strip("/")
        return f"{self.base_url}/api/v2/{path}/" if path else f"{self.base_url}/api/v2/"

    def call(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        """One API call; the JSON answer (None for 204)."""
        kwargs.setdefault("timeout", self.timeout)
        response = send(self.session, method, self._url(path), f"wger {what}", **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as err:
            raise TrackerError(
                f"wger {what}: HTTP {response.status_code} with a body that is not JSON",
                status=response.status_code,
            ) from err

    def get_all(
        self, path: str, what: str, params: dict[str, Any] | None = None, stop: Any = None
    ) -> list[dict[str, Any]]:
        """Every result of a paginated list (``stop(item)`` ends the walk early)."""
        out: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = self.call("GET", path, what, params={**(params or {}), "limit": PAGE, "offset": offset})
            results = page.get("results", []) if isinstance(page, dict) else page
            for item in results:
                if stop is not None and stop(item):
                    return out
                out.append(item)
            if not isinstance(page, dict) or not page.get("next") or not results:
                return out
            offset += len(results)

    def exists(self, path: str, what: str) -> dict[str, Any] | None:
        try:
            return self.call("GET", path, what)
        except TrackerError as err:
            if err.status == 404:
                return None
            raise

    # --- what the server offers ---------------------------------------------------

    def generation(self) -> str:
        """'2.1' (workout API) or '2.3' (routine API), from the API root's routes."""
        if self._generation is None:
            root = self.call("GET", "", "API root")
            routes = set(root) if isinstance(root, dict) else set()
            if "routine" in routes:
                self._generation = GEN_23
            elif "workout" in routes:
                self._generation = GEN_21
            else:
                raise TrackerError(f"wger: {self.base_url} offers neither workouts nor routines")
        return self._generation

    def check(self) -> None:
        """Ask the server something only a valid token may read; TrackerError says who refused."""
        self.generation()  # the API root answers anyone: a server that is no wger fails here
        self.call("GET", "userprofile", "check the token")

    def units(self) -> dict[str, int]:
        """Repetition units by name (docs/wger.md#repetition-units: look them up, do not hard-code)."""
        if self._units is None:
            rows = self.get_all("setting-repetitionunit", "repetition units")
            self._units = {row["name"]: int(row["id"]) for row in rows}
        return self._units

    def _search(self, word: str) -> list[tuple[int, str]]:
        if word not in self._searches:
            try:
                answer = self.call(
                    "GET", "exercise/search", "exercise search", params={"term": word, "language": "en"}
                )
                found = [
                    (int(s["data"]["base_id"]), s["data"]["name"]) for s in answer.get("suggestions", [])
                ]
            except TrackerError as err:
                if err.status != 404:
                    raise
                # wger 2.5 removed exercise/search; exerciseinfo filters by name (docs/wger.md#exercises).
                rows = self.call(
                    "GET",
                    "exerciseinfo",
                    "exercise search",
                    params={"name__search": word, "language__code": "en", "limit": PAGE},
                )
                found = [
                    (int(r["id"]), t["name"])
                    for r in rows.get("results", [])
                    for t in r.get("translations", [])
                    if t.get("language") == ENGLISH
                ]
            self._searches[word] = found
        return self._searches[word]

    def find_exercise(self, exercise: Exercise) -> int | None:
        """wger's id for one of ours: the same stretch, the configured fallback, or our own; else None."""
        if exercise.id in self._exercise_ids:
            return self._exercise_ids[exercise.id]
        found: int | None = None
        for term in matching.search_terms(exercise):
            words = sorted(matching.words(term), key=len, reverse=True)
            if words:
                found = matching.pick(term, self._search(words[0]))
            if found is not None:
                break
        if found is None and self.extra.get("fallback_exercise"):
            found = int(self.extra["fallback_exercise"])
        if found is None:
            found = self._add_exercise(exercise)
        if found is not None:
            self._exercise_ids[exercise.id] = found
        return found

    def _add_exercise(self, exercise: Exercise) -> int | None:
        """Add our own exercise to a wger 2.1 server; None where the user may not.

        wger 2.1 lets a user add exercises when the account is "trustworthy" (older
        than 21 days, e-mail verified) or holds the exercises.add_exercise permission;
        others get 403 (docs/wger.md#what-a-person-sees). The 2.3+ submission API is
        not used: the set then carries our text alone.
        """
        if self.generation() != GEN_21 or self._may_add_exercises is False:
            return None
        if self._categories is None:
            rows = self.get_all("exercisecategory", "exercise categories")
            self._categories = {row["name"]: int(row["id"]) for row in rows}
        category = self._categories.get(matching.CATEGORY[exercise.focus])
        if category is None:
            return None
        body = {"category": category, "muscles": [], "muscles_secondary": [], "equipment": []}
        try:
            base = self.call("POST", "exercise-base", "add exercise", json=body)
        except TrackerError as err:
            if err.status != 403:
                raise
            self._may_add_exercises = False
            return None
        self._may_add_exercises = True
        translation = {"exercise_base": base["id"], "language": ENGLISH, **matching.own_exercise(exercise)}
        self.call("POST", "exercise-translation", "name the added exercise", json=translation)
        return int(base["id"])

    # --- push -----------------------------------------------------------------------

    def push(
        self, routine: Routine, plan: Plan | None, state: dict[str, Any], *, message_id: str | None = None
    ) -> PushOutcome:
        """Create the routine in wger, or update the one made before (never a second one)."""
        generation = self.generation()
        if generation == GEN_21:
            requests_ = workout_requests(routine, plan)
            top = "workout"
        else:
            requests_ = routine_requests(routine, plan, start=clock.now().date())
            top = "routine"
        exercise_ids, unit_names = placeholders(requests_)
        units = self.units()
        missing = [u for u in unit_names if u not in units]
        if missing:
            raise TrackerError(f"wger: repetition unit(s) {missing} not on {self.base_url}")
        ours = {entry.exercise.id: entry.exercise for entry in routine.entries}
        found = {eid: self.find_exercise(ours[eid]) for eid in exercise_ids}
        exercises = {eid: wger_id for eid, wger_id in found.items() if wger_id is not None}
        requests_ = without_exercises(requests_, {eid for eid, wger_id in found.items() if wger_id is None})

        first, rest = requests_[0], requests_[1:]
        remote_id = self._existing(top, routine.id, state)
        ids: dict[str, Any] = {}
        if remote_id is not None:
            self.call("PATCH", f"{top}/{remote_id}", f"update {top}", json=first.body)
            for day in self.days_of(remote_id):
                self._delete(f"day/{day['id']}", "old day")
            ids[first.ref] = remote_id
        else:
            ids[first.ref] = self.call("POST", top, f"create {top}", json=first.body)["id"]
        for request in rest:
            body = resolve(request.body, ids, exercises, units)
            created = self.call("POST", request.endpoint, f"create {request.endpoint}", json=body)
            ids[request.ref] = created["id"]
        new_state = {"generation": generation, top: ids[first.ref], STATE_EXERCISES: dict(exercises)}
        self.state[STATE_EXERCISES] = {**self.state.get(STATE_EXERCISES, {}), **exercises}
        return PushOutcome(remote_ids={top: str(ids[first.ref])}, state=new_state)

    def days_of(self, remote_id: Any) -> list[dict[str, Any]]:
        """The days of one workout/routine.

        Checked here, not only filtered by the server: wger 2.3 and 2.4 have no
        ``routine`` filter on day/ and would answer with every day of the user.
        """
        parent = "training" if self.generation() == GEN_21 else "routine"
        rows = self.get_all("day", "days", {parent: remote_id})
        return [row for row in rows if str(row.get(parent)) == str(remote_id)]

    def _delete(self, path: str, what: str) -> None:
        try:
            self.call("DELETE", path, f"delete {what}")
        except TrackerError as err:
            if err.status != 404:  # already gone (a retried DELETE)
                raise

    def _existing(self, top: str, routine_id: str, state: dict[str, Any]) -> Any:
        """The id of the workout/routine we made for this routine before, if it still exists."""
        known = state.get(top)
        if known is not None and self.exists(f"{top}/{known}", top) is not None:
            return known
        marker = f"{MARKER} {routine_id}"
        for row in self.get_all(top, f"{top}s", {"ordering": "-id"}):
            if (row.get("description") or "").splitlines()[-1:] == [marker]:
                return row["id"]
        return None

    # --- pull -----------------------------------------------------------------------

    def pull(
        self, cursor: str | None, routines_by_remote_id: dict[str, str], scope: PullScope | None = None
    ) -> PullOutcome:
        """Every bout logged in our workouts since ``scope.since``, and the known ones wger no longer has.

        wger sessions change after the fact (logs added for the evening bout, times
        and notes edited, sessions deleted), so the whole look-back window is read
        again on every pull; the cursor only records that a first pull happened.
        """
        scope = scope or PullScope()
        zone = ZoneInfo(scope.timezone)
        generation = self.generation()  # the first call: a server down or a bad token shows here
        units = {pk: name for name, pk in self.units().items()}
        if generation == GEN_21:
            sessions = self._pull_workouts_21(routines_by_remote_id, scope, zone, units)
        else:
            sessions = [
                bout
                for remote_id, routine_id in routines_by_remote_id.items()
                for bout in self._pull_routine_23(remote_id, routine_id, scope, zone, units)
            ]
        produced = {s.source_id for s in sessions}
        deleted = sorted(k for k in scope.known if k not in produced)
        return PullOutcome(sessions=sessions, deleted=deleted, cursor=make_cursor(clock.now().date()))

    def _recent(
        self, path: str, what: str, params: dict[str, Any], since: date | None
    ) -> list[dict[str, Any]]:
        """Rows of a list with a ``date``, newest first, back to ``since``."""

        def too_old(row: dict[str, Any]) -> bool:
            return since is not None and date.fromisoformat(str(row["date"])[:10]) < since

        return self.get_all(path, what, {**params, "ordering": "-date"}, stop=too_old)

    def _pull_workouts_21(
        self, routines: dict[str, str], scope: PullScope, zone: ZoneInfo, units: dict[int, str]
    ) -> list[CompletedSession]:
        # One session per user and date (docs/wger.md#sessions-and-logs): it belongs to whichever
        # workout was logged first that day, and the logs of every routine that day share it.
        # 2.1 logs have no session link: they go by date.
        day_session = {
            str(row["date"])[:10]: row for row in self._recent("workoutsession", "sessions", {}, scope.since)
        }
        ours: list[tuple[str, str, list[PlannedExercise], dict[str, list[dict[str, Any]]]]] = []
        for workout_id, routine_id in routines.items():
            canonical = self.exists(f"workout/{workout_id}/canonical_representation", "workout structure")
            if canonical is None:  # deleted in wger, and its sessions' logs with it
                continue
            by_day: dict[str, list[dict[str, Any]]] = {}
            for log in self._recent("workoutlog", "logs", {"workout": workout_id}, scope.since):
                if str(log.get("workout")) == str(workout_id):
                    by_day.setdefault(str(log["date"])[:10], []).append(log)
            ours.append((workout_id, routine_id, planned_from_canonical(canonical), by_day))
        logged_days = {day for _, _, _, by_day in ours for day in by_day}
        out: list[CompletedSession] = []
        for workout_id, routine_id, planned, by_day in ours:
            days = set(by_day)
            # A session of our workout with nothing logged that day still says the routine was done.
            days |= {
                day
                for day, row in day_session.items()
                if str(row.get("workout")) == str(workout_id) and day not in logged_days
            }
            for day in sorted(days):
                out += completed_sessions(
                    date.fromisoformat(day),
                    day_session.get(day),
                    by_day.get(day, []),
                    planned,
                    routine_id,
                    units,
                    zone,
                    scope.plan,
                )
        return out

    def _pull_routine_23(
        self,
        routine_id_remote: str,
        routine_id: str,
        scope: PullScope,
        zone: ZoneInfo,
        units: dict[int, str],
    ) -> list[CompletedSession]:
        if self.exists(f"routine/{routine_id_remote}", "routine") is None:
            return []
        entries = []
        for day in self.days_of(routine_id_remote):
            for slot in self.get_all("slot", "slots", {"day": day["id"]}):
                entries += [
                    e
                    for e in self.get_all("slot-entry", "slot entries", {"slot": slot["id"]})
                    if e.get("slot") == slot["id"]
                ]
        planned = planned_from_entries(entries)
        out = []
        # One session per user, routine and date from 2.3; logs link to it by ``session``.
        for row in self._recent("workoutsession", "sessions", {"routine": routine_id_remote}, scope.since):
            logs = self.get_all("workoutlog", "logs", {"session": row["id"]})
            out += completed_sessions(
                date.fromisoformat(str(row["date"])[:10]),
                row,
                [lg for lg in logs if str(lg.get("session")) == str(row["id"])],
                planned,
                routine_id,
                units,
                zone,
                scope.plan,
                generation=GEN_23,
            )
        return out


def make_cursor(today: date) -> str:
    """The cursor says a first pull (which reads all history) has happened, and when."""
    return json.dumps({"synced": today.isoformat()})

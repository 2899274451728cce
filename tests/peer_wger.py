"""A real wger 2.1 server for the peer tests, started by tests/peers/start-wger.sh.

STRETCHSYNC_WGER_SCRIPT overrides the launcher (docs/testing.md, "The wger peer").
wger is installed once into a virtual environment outside the repository
(STRETCHSYNC_WGER_VENV, default under the system temp dir) and reused by later
runs, which start in about 3 s.
"""

from __future__ import annotations

import fcntl
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date
from html import unescape
from pathlib import Path

import requests
from servers import free_port

from plugin.catalog.model import Routine
from plugin.formats.text import caution_line
from plugin.formats.wger.api import MARKER
from plugin.formats.wger.fitting import key_caution

REPO = Path(__file__).resolve().parents[1]
SCRIPT = Path(os.environ.get("STRETCHSYNC_WGER_SCRIPT", REPO / "tests" / "peers" / "start-wger.sh"))
VENV = Path(os.environ.get("STRETCHSYNC_WGER_VENV", Path(tempfile.gettempdir()) / "stretchsync-wger-peer"))
START_TIMEOUT_S = 600  # the first install compiles reportlab: about a minute, slower on a busy machine


@dataclass
class WgerPeer:
    url: str
    token: str
    user: str
    password: str
    port: int

    def start(self, *, keep_db: bool = True) -> None:
        """(Re)start the server on the same port; keep_db keeps the workouts made so far."""
        self.token = run_script(self.port, keep_db=keep_db)

    def add_user(self, name: str, *, contributor: bool = True) -> str:
        """Create another wger user (the launcher restarts the server, keeping the data); its token.

        ``contributor=False``: a plain account, which wger 2.1 does not let add exercises.
        """
        return run_script(self.port, keep_db=True, user=name, contributor=contributor)

    def stop(self) -> None:
        run_script(self.port, "stop")

    def stop_after_sets(self, count: int):
        """A requests response hook that stops this server once ``count`` sets were created."""
        created = []

        def hook(response, *args, **kwargs):
            if response.request.method == "POST" and response.request.url.endswith("/api/v2/set/"):
                created.append(response.request.url)
                if len(created) == count:
                    self.stop()

        return hook

    def remove(self) -> None:
        """Stop the server and delete this run's database and logs (the installed venv stays)."""
        self.stop()
        shutil.rmtree(VENV / f"wger-run-{self.port}", ignore_errors=True)


def run_script(
    port: int,
    mode: str = "start",
    *,
    keep_db: bool = False,
    user: str | None = None,
    contributor: bool = True,
) -> str:
    env = {
        **os.environ,
        "WGER_KEEP_DB": "1" if keep_db else "0",
        "WGER_CONTRIBUTOR": "1" if contributor else "0",
    }
    if user:
        env["WGER_USER"] = user
    VENV.mkdir(parents=True, exist_ok=True)
    # One installer at a time per venv: parallel runs would both pip-install into it.
    with open(VENV.parent / f"{VENV.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        args = ["bash", str(SCRIPT), str(VENV), str(port), *([mode] if mode == "stop" else [])]
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=START_TIMEOUT_S)
    if done.returncode != 0:
        raise RuntimeError(f"{shlex.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1] if mode != "stop" else ""


def start() -> WgerPeer:
    port = free_port()
    run_script(port)
    env = dict(
        line.split("=", 1)
        for line in (VENV / f"wger-run-{port}" / "peer.env").read_text().splitlines()
        if "=" in line
    )
    return WgerPeer(
        url=env["WGER_URL"],
        token=env["WGER_TOKEN"],
        user=env["WGER_USER"],
        password=env["WGER_PASSWORD"],
        port=port,
    )


class WgerApi:
    """wger's own API, read independently of the client under test."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Token {token}"

    def get(self, path: str, **params):
        response = self.http.get(f"{self.url}/api/v2/{path}/", params={"limit": 1000, **params}, timeout=10)
        response.raise_for_status()
        body = response.json()
        return body["results"] if isinstance(body, dict) and "results" in body else body

    def post(self, path: str, body: dict) -> dict:
        response = self.http.post(f"{self.url}/api/v2/{path}/", json=body, timeout=10)
        assert response.status_code == 201, response.text
        return response.json()

    def workouts_for(self, routine_id: str) -> list[dict]:
        marker = f"{MARKER} {routine_id}"
        return [w for w in self.get("workout") if w["description"].splitlines()[-1] == marker]

    def structure(self, workout_id: int) -> list[tuple[dict, list[tuple[dict, list[dict]]]]]:
        days = self.get("day", training=workout_id)
        return [
            (
                day,
                [
                    (s, self.get("setting", set=s["id"]))
                    for s in sorted(self.get("set", exerciseday=day["id"]), key=lambda s: s["order"])
                ],
            )
            for day in days
        ]

    def check_workout(self, workout_id: int, routine: Routine, weekdays: list[int]) -> dict:
        """Assert the workout holds the routine: a set per exercise and side, units, days, every caution."""
        workout = self.get(f"workout/{workout_id}")
        assert workout["name"] == routine.name
        units = {u["id"]: u["name"] for u in self.get("setting-repetitionunit")}
        ((day, sets),) = self.structure(workout_id)
        assert day["day"] == weekdays
        expected = [(entry, side) for entry in routine.entries for side in entry.dose.sides]
        assert len(sets) == len(expected)
        for (set_, settings), (entry, side) in zip(sets, expected, strict=True):
            dose = entry.dose
            label = f"{entry.exercise.name}, {side} leg" if side else entry.exercise.name
            # the set comment is what wger's workout page shows of ours: name and side first
            assert set_["comment"].startswith(f"{label}.")
            assert settings and all(s["comment"].startswith(entry.exercise.name) for s in settings)
            if side:
                assert all(f"{side} leg" in s["comment"] for s in settings)
            # never another exercise: wger's exercise bears our exercise's name
            assert {self.exercise_name(s["exercise_base"]) for s in settings} == {entry.exercise.name}
            amounts = {(units[s["repetition_unit"]], s["reps"]) for s in settings}
            if dose.kind.value == "hold":
                assert amounts == {("Seconds", dose.hold_s)}
                holds = dose.sets * dose.reps
                assert set_["sets"] == holds if len(settings) == 1 else len(settings) == holds
            elif dose.kind.value == "continuous":
                assert amounts == {("Seconds", dose.duration_s)}
                assert set_["sets"] == dose.sets
            else:
                assert amounts == {("Repetitions", dose.reps)}
                assert max(set_["sets"], len(settings)) == dose.sets
            if dose.rest_s:
                assert f"rest {dose.rest_s} s" in set_["comment"]
            assert key_caution(entry.exercise) in set_["comment"]
        comments = [s["comment"] for s, _ in sets] + [x["comment"] for _, st in sets for x in st]
        everything = "\n".join([workout["description"], day["description"], *comments])
        for caution in routine.cautions:
            assert caution_line(caution) in everything, caution.id
        return day

    def patch(self, path: str, body: dict) -> dict:
        response = self.http.patch(f"{self.url}/api/v2/{path}/", json=body, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def delete(self, path: str) -> None:
        response = self.http.delete(f"{self.url}/api/v2/{path}/", timeout=10)
        assert response.status_code == 204, response.text

    def log_workout(self, workout_id: int, day: date, **session: str) -> dict:
        """Log the whole workout in wger as its log page does: the session, then one log per set."""
        created = self.post(
            "workoutsession", {"workout": workout_id, "date": day.isoformat(), "impression": "3", **session}
        )
        self.log_sets(workout_id, day)
        return created

    def log_sets(self, workout_id: int, day: date) -> list[dict]:
        """One log per set of the workout on ``day``, as wger's log page adds them (no session made)."""
        logs = []
        for _, sets in self.structure(workout_id):
            for set_, settings in sets:
                for setting in settings:
                    for _ in range(set_["sets"] if len(settings) == 1 else 1):
                        logs.append(
                            self.post(
                                "workoutlog",
                                {
                                    "workout": workout_id,
                                    "exercise_base": setting["exercise_base"],
                                    "repetition_unit": setting["repetition_unit"],
                                    "reps": setting["reps"],
                                    # docs/wger.md#sessions-and-logs: 2.1's log weight is NOT NULL
                                    "weight": 0,
                                    "weight_unit": 1,
                                    "date": day.isoformat(),
                                },
                            )
                        )
        return logs

    def exercise_name(self, base_id: int) -> str:
        return self.get("exercise", exercise_base=base_id, language=2)[0]["name"]


def workout_page(url: str, user: str, password: str, workout_id: int) -> str:
    """The HTML of wger's own workout page (/en/workout/<id>/view), logged in as a person would."""
    web = requests.Session()
    login = f"{url}/en/user/login"
    web.get(login, timeout=10).raise_for_status()
    answer = web.post(
        login,
        data={"username": user, "password": password, "csrfmiddlewaretoken": web.cookies["csrftoken"]},
        headers={"Referer": login},
        timeout=10,
    )
    assert answer.url.endswith("/en/dashboard"), f"login as {user} failed: {answer.url}"
    page = web.get(f"{url}/en/workout/{workout_id}/view", timeout=10)
    page.raise_for_status()
    return page.text


def visible_text(html: str) -> str:
    """What a reader sees: tags and scripts dropped, entities decoded, white space collapsed."""
    body = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def exercise_headings(html: str) -> list[str]:
    """The exercise names wger's page shows as the exercises to do (render_day.html)."""
    return [
        " ".join(unescape(h).split())
        for h in re.findall(r'<p class="media-heading h5">(.*?)</p>', html, re.S)
    ]

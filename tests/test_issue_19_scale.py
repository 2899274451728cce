"""Issue 19: several processes on several machines, as docs/deployment.md describes them.

Two gunicorn instances and two `stretchsync worker` processes share one PostgreSQL
database (a schema of its own) and one Redis. A burst of imports, pushes and Strava
events is spread over both instances; one worker is killed in the middle of a push
and replaced, as a supervisor would. Then: every push reached the host exactly once
(one webhook-id each, one copy of each routine), every session is stored once, and
no job's effect shows twice.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import redis
import requests
from dedup_host import DedupHost, serving
from fake_strava import ATHLETE_ID, CLIENT_ID, CLIENT_SECRET, FakeStrava
from hostkit import Host, host_config, session_body
from processes import environment, executable, worker
from servers import free_port, running
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError

from plugin import create_app
from plugin.store import migrate
from plugin.store.db import normalise_url
from plugin.store.pushes import PushRow
from plugin.store.sessions import SessionRow

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
VERIFY_TOKEN = "verify-scale"
LEASE_S = 2.0
ROUTINES = [
    "daily-hamstring",
    "contract-relax",
    "desk-break",
    "wall-hamstring",
    "trunk-rotation",
    "disc-safe",
]
HOSTS, SESSIONS_PER_HOST, ACTIVITIES = 4, 4, 4


def _postgres_url() -> str:
    configured = os.environ.get("PLUGIN_DATABASE_URL", "")
    return configured if normalise_url(configured).startswith("postgresql") else POSTGRES_URL


def _reachable() -> str | None:
    """Why the test cannot run here, or None."""
    try:
        engine = create_engine(normalise_url(_postgres_url()), connect_args={"connect_timeout": 2})
        with engine.connect():
            pass
        engine.dispose()
    except OperationalError:
        return f"PostgreSQL is not reachable at {_postgres_url()}"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return f"Redis is not reachable at {REDIS_URL}"
    return None


@pytest.fixture
def schema():
    why = _reachable()
    if why:
        pytest.skip(why)
    name = "scale_" + uuid.uuid4().hex[:10]
    admin = create_engine(normalise_url(_postgres_url()))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield name
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


class SpreadClient:
    """Sends each call to the next app instance in turn, as a load balancer would."""

    def __init__(self, bases: list[str]) -> None:
        self.bases = itertools.cycle(bases)
        self.lock = threading.Lock()

    def open(self, path: str, *, method: str, data: Any, headers: dict, content_type: Any, query_string: Any):
        with self.lock:
            base = next(self.bases)
        if content_type:
            headers = {**headers, "Content-Type": content_type}
        return requests.request(
            method, base + path, data=data, headers=headers, params=query_string, timeout=30
        )


def _connect_strava(base: str, host: Host, fake: FakeStrava) -> None:
    """Walk a browser through Strava's connect flow on one instance."""
    link = host.call("POST", "/hooks/strava/connect", {"postSessions": False})
    assert link.status_code == 201, link.text
    browser = requests.Session()
    url = link.json()["url"]
    redirect = browser.get(base + url[url.index("/connect/strava") :], allow_redirects=False, timeout=30)
    assert redirect.status_code == 302, redirect.text
    state = parse_qs(urlsplit(redirect.headers["Location"]).query)["state"][0]
    fake.codes["c0de"] = ATHLETE_ID
    callback = browser.get(
        base + "/connect/strava/callback",
        params={"state": state, "code": "c0de", "scope": "read,activity:read_all,activity:write"},
        timeout=30,
    )
    assert callback.status_code == 200, callback.text


def _job_lines(paths) -> list[dict]:
    lines = []
    for path in paths:
        for line in path.read_text().splitlines():
            if " stretchsync.jobs " in line:
                lines.append(json.loads(line.split(" stretchsync.jobs ", 1)[1]))
    return lines


def test_two_instances_and_two_workers_deliver_and_store_everything_once(schema, tmp_path, httpserver):
    fake = FakeStrava(httpserver, now=time.time())
    config = host_config(
        {"DATABASE_URL": _postgres_url(), "DATABASE_SCHEMA": schema},
        tmp_path,
        REDIS_URL=REDIS_URL,
        PUSH_LEASE_S=LEASE_S,
        PUSH_BACKOFF_BASE_S=0.2,
        STRAVA_CLIENT_ID=CLIENT_ID,
        STRAVA_CLIENT_SECRET=CLIENT_SECRET,
        STRAVA_VERIFY_TOKEN=VERIFY_TOKEN,
        STRAVA_API_URL=f"{fake.url}/api/v3",
        STRAVA_OAUTH_URL=f"{fake.url}/oauth",
        FEED_REBUILD_DELAY_S=0.5,
    )
    app = create_app(config)
    app.instance_path = str(tmp_path / "instance")
    db = app.extensions["stretchsync.db"]
    migrate.upgrade(db.engine)
    env = environment(config)
    ports = [free_port(), free_port()]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    logs = {name: tmp_path / f"{name}.log" for name in ("web-a", "web-b", "worker-1", "worker-2", "worker-3")}
    gunicorn = executable("gunicorn")

    def web(port: int, log_name: str):
        args = [gunicorn, "-w", "1", "--threads", "4", "-b", f"127.0.0.1:{port}", "plugin:create_app()"]
        return running(args, f"http://127.0.0.1:{port}/healthz", logs[log_name], env, timeout=60)

    with (
        serving(DedupHost(hold_first=True)) as stand_in,
        web(ports[0], "web-a"),
        web(ports[1], "web-b"),
        worker(env, logs["worker-1"], workers=1) as first_worker,
    ):
        client = SpreadClient(bases)
        hosts = [Host(client) for _ in range(HOSTS)]
        for number, host in enumerate(hosts):
            assert host.install(base_url=f"{stand_in.url}/h{number}").status_code == 201
        strava_host = hosts[0]
        _connect_strava(bases[1], strava_host, fake)

        # The first push: its message is held at the host until worker 1 has been killed.
        first_push = hosts[0].export(ROUTINES[:2]).json()["id"]
        assert stand_in.arrived.wait(60), logs["worker-1"].read_text()

        def push(host: Host, routines: list[str]) -> str:
            answer = host.export(routines)
            assert answer.status_code == 202, answer.text
            return answer.json()["id"]

        def import_twice(host: Host, source_id: str) -> list[int]:
            # Two deliveries of one session under two webhook-ids (a host retrying), one per instance,
            # and the same signed call replayed byte for byte.
            answers = [host.import_session(session_body(source_id)) for _ in range(2)]
            answers.append(host.replay(host.last_call))
            for answer in answers:
                assert answer.status_code in (200, 201), (answer.status_code, answer.text)
            return [answer.status_code for answer in answers]

        activities = [
            fake.add(
                name="Trunk rotation",
                sport_type="Workout",
                start_date=(datetime.now(UTC) - timedelta(hours=1 + n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                elapsed_time=300,
            )
            for n in range(ACTIVITIES)
        ]

        def strava_event(activity: dict, base: str) -> int:
            body = {
                "aspect_type": "create",
                "event_time": int(time.time()),
                "object_id": activity["id"],
                "object_type": "activity",
                "owner_id": ATHLETE_ID,
                "subscription_id": 120475,
                "updates": {},
            }
            return requests.post(base + "/webhooks/strava", json=body, timeout=30).status_code

        with ThreadPoolExecutor(8) as pool, worker(env, logs["worker-2"], workers=2):
            pushed = [pool.submit(push, hosts[0], ROUTINES[2:4]), pool.submit(push, hosts[0], ROUTINES[4:])]
            for host in hosts[1:]:
                pushed += [pool.submit(push, host, ROUTINES[i : i + 2]) for i in (0, 2, 4)]
            imported = [
                pool.submit(import_twice, host, f"{number}-{n}")
                for number, host in enumerate(hosts)
                for n in range(SESSIONS_PER_HOST)
            ]
            events = [pool.submit(strava_event, a, base) for a in activities for base in bases]
            # Mid-way: worker 1 dies holding the first push; the host did the work, nobody heard.
            first_worker.send_signal(signal.SIGKILL)
            first_worker.wait(10)
            stand_in.release.set()
            push_ids = [first_push, *(f.result() for f in pushed)]
            import_statuses = [f.result() for f in imported]
            event_statuses = [f.result() for f in events]
            time.sleep(LEASE_S * 1.5)  # the dead worker's lease lapses
            # A supervisor starts a replacement; it sweeps at once and finds the lapsed push.
            with worker(env, logs["worker-3"], workers=2):
                _wait_until_delivered(db, push_ids, logs)
                _wait_for_strava_sessions(db, ACTIVITIES, logs)

    # Stored by the first delivery, found by the second, the replay answered from the record.
    assert import_statuses == [[201, 200, 200]] * (HOSTS * SESSIONS_PER_HOST), import_statuses
    assert set(event_statuses) == {200}
    with db.unit_of_work() as session:
        rows = list(session.scalars(select(PushRow)))
        stored = Counter(
            (r.installation_id, r.source, r.source_id) for r in session.scalars(select(SessionRow))
        )
        total = session.scalar(select(func.count()).select_from(SessionRow))
    # Every push delivered, each of its routines exactly once, under the one id kept with it.
    assert {r.id for r in rows} == set(push_ids) and {r.status for r in rows} == {"delivered"}
    expected_ids = {r.webhook_ids[routine] for r in rows for routine in r.routines}
    assert len(expected_ids) == sum(len(r.routines) for r in rows)
    assert {item.webhook_id for item in stand_in.received} == expected_ids
    assert set(stand_in.answers) == expected_ids  # the host did the work once per id
    for number in range(HOSTS):
        assert stand_in.copies(f"/h{number}") == dict.fromkeys(ROUTINES, 1)
    # The held message was sent again after the kill, under its first id; nothing else twice.
    resent = [w for w, n in Counter(item.webhook_id for item in stand_in.received).items() if n > 1]
    first = next(r for r in rows if r.id == first_push)
    assert set(resent) <= {first.webhook_ids[r] for r in first.routines} and resent
    # Every session once: the host's, each sent three times, and Strava's, each announced twice.
    assert max(stored.values()) == 1
    assert total == HOSTS * SESSIONS_PER_HOST + ACTIVITIES
    # No job ran twice to a visible effect: one "delivered" line per push, across all workers.
    lines = _job_lines(logs[name] for name in ("worker-1", "worker-2", "worker-3"))
    delivered = Counter(x["push"] for x in lines if (x["job"], x["outcome"]) == ("deliver_push", "delivered"))
    assert delivered == dict.fromkeys(push_ids, 1)
    written = "".join(path.read_text() for path in logs.values())
    assert not [h.client_key for h in hosts if h.secret in written or h.secret[6:] in written]
    redis.Redis.from_url(REDIS_URL).delete(*_queue_keys(config["HUEY_NAME"]))
    db.engine.dispose()


def _queue_keys(name: str) -> list[str]:
    keys = list(redis.Redis.from_url(REDIS_URL).scan_iter(f"huey*{name}*"))
    return keys or [f"huey.redis.{name}"]


def _wait_until_delivered(db, push_ids: list[str], logs: dict, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.unit_of_work() as session:
            statuses = dict(session.execute(select(PushRow.id, PushRow.status)).all())
        if all(statuses.get(p) == "delivered" for p in push_ids):
            return
        time.sleep(0.5)
    tails = {name: path.read_text()[-3000:] for name, path in logs.items()}
    raise AssertionError(f"not all delivered after {timeout} s: {statuses}\n{tails}")


def _wait_for_strava_sessions(db, count: int, logs: dict, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    query = select(func.count()).select_from(SessionRow).where(SessionRow.source == "strava")
    while time.monotonic() < deadline:
        with db.unit_of_work() as session:
            stored = session.scalar(query)
        if stored == count:
            return
        time.sleep(0.5)
    tails = {name: path.read_text()[-3000:] for name, path in logs.items()}
    raise AssertionError(f"{stored} Strava sessions after {timeout} s, not {count}\n{tails}")

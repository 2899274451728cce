"""Background pushes through huey, on its SQLite storage and on real Redis, against a host stub.

The stub (pytest-httpserver) plays a host tracker: it answers the routine
endpoint as the host manifest describes it, and the tests check what was sent.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import redis
from hostkit import Host, host_config
from standardwebhooks.webhooks import Webhook
from werkzeug import Request, Response

from plugin import clock
from plugin.jobs import jobs
from plugin.services import pushes
from plugin.store.pushes import PushRow

REDIS_URL = "redis://127.0.0.1:6379/0"
ROUTES = "/stretchsync/routines"


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["sqlite", "redis"])
def app_config(request, database_config, tmp_path):
    extra = {"PUSH_BACKOFF_BASE_S": 0.05, "PUSH_MAX_ATTEMPTS": 4}
    if request.param == "redis":
        if not _redis_up():
            pytest.fail("Redis is not reachable on 127.0.0.1:6379 (.ci/run starts it)")
        extra["REDIS_URL"] = REDIS_URL
    return host_config(database_config, tmp_path, **extra)


@pytest.fixture
def worker(app):
    queue = jobs(app)
    consumer = queue.consumer(workers=1, periodic=False, max_delay=0.1)
    consumer.start()
    yield queue
    consumer.stop(graceful=True)
    queue.huey.flush()  # the queue's name is unique to this test: leave nothing behind


@pytest.fixture
def host(client, httpserver):
    host = Host(client)
    assert host.install(base_url=httpserver.url_for("/").rstrip("/")).status_code == 201
    return host


class Recorder:
    """Answers in order and notes when each request arrived."""

    def __init__(self, *answers: Response) -> None:
        self.answers = list(answers)
        self.seen: list[tuple[float, Request, bytes]] = []

    def __call__(self, request: Request) -> Response:
        self.seen.append((time.monotonic(), request, request.get_data()))
        return self.answers[min(len(self.seen), len(self.answers)) - 1]


def wait_for(host: Host, push_id: str, statuses=("delivered", "failed"), timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = host.call("GET", f"/hooks/export/{push_id}").json
        if answer["status"] in statuses:
            return answer
        time.sleep(0.05)
    raise AssertionError(f"push {push_id} still {answer['status']} after {timeout} s: {answer}")


def test_503_then_429_then_200_delivers_exactly_once_honouring_retry_after(db, host, httpserver, worker):
    recorder = Recorder(
        Response("busy", status=503),
        Response("slow down", status=429, headers={"Retry-After": "1"}),
        Response(json.dumps({"id": "r-1"}), status=201, content_type="application/json"),
    )
    httpserver.expect_request(ROUTES, method="POST").respond_with_handler(recorder)
    accepted = host.export(["daily-hamstring"])
    assert accepted.status_code == 202
    assert accepted.headers["Location"] == f"/hooks/export/{accepted.json['id']}"
    done = wait_for(host, accepted.json["id"])
    time.sleep(1.2)  # a duplicate delivery would arrive here
    assert done["status"] == "delivered", done
    assert done["attempts"] == 3
    assert done["last_error"] is None
    assert done["remote_ids"] == {"daily-hamstring": {"routine": "r-1"}}
    assert len(recorder.seen) == 3
    assert [r.status_code for r in recorder.answers] == [503, 429, 201]
    (t1, _, _), (t2, _, _), (t3, _, _) = recorder.seen
    assert t2 - t1 >= 0.05  # the backoff base
    assert t3 - t2 >= 1.0  # Retry-After: 1 beats the 0.1 s backoff
    for _, request, body in recorder.seen:
        # Each attempt is signed afresh with the installation's secret, checked by the reference library.
        sent = Webhook(host.secret).verify(body, dict(request.headers))
        assert sent["id"] == "daily-hamstring"
        assert [c["id"] for c in sent["cautions"]] and sent["exercises"]
    # One message, three attempts: the same webhook-id each time, the one kept with the push.
    ids = {request.headers["webhook-id"] for _, request, _ in recorder.seen}
    with db.unit_of_work() as session:
        kept = session.get(PushRow, accepted.json["id"]).webhook_ids
    assert ids == {kept["daily-hamstring"]}


def test_pushing_again_updates_what_the_host_has(host, httpserver, worker):
    httpserver.expect_ordered_request(ROUTES, method="POST").respond_with_json({"id": "r-9"}, status=201)
    httpserver.expect_ordered_request(f"{ROUTES}/r-9", method="PUT").respond_with_json({"id": "r-9"})
    first = wait_for(host, host.export(["daily-hamstring"]).json["id"])
    second = wait_for(host, host.export(["daily-hamstring"]).json["id"])
    assert first["status"] == second["status"] == "delivered"
    assert second["remote_ids"] == {"daily-hamstring": {"routine": "r-9"}}
    httpserver.check_assertions()
    assert len(httpserver.log) == 2


def test_a_push_that_keeps_failing_ends_failed_with_its_error(host, httpserver, worker):
    recorder = Recorder(Response("down for maintenance", status=503))
    httpserver.expect_request(ROUTES, method="POST").respond_with_handler(recorder)
    done = wait_for(host, host.export(["daily-hamstring"]).json["id"])
    assert done["status"] == "failed"
    assert done["attempts"] == 4
    # A 5xx body says nothing a person can act on, and may be someone's internal page.
    assert done["last_error"].endswith("HTTP 503") and "maintenance" not in done["last_error"]
    assert len(recorder.seen) == 4


def test_a_refusal_is_not_retried(host, httpserver, worker):
    recorder = Recorder(Response('{"error": "bad routine"}', status=400))
    httpserver.expect_request(ROUTES, method="POST").respond_with_handler(recorder)
    done = wait_for(host, host.export(["daily-hamstring"]).json["id"])
    assert done["status"] == "failed" and done["attempts"] == 1
    assert "HTTP 400" in done["last_error"]
    assert len(recorder.seen) == 1


def test_the_sweep_re_enqueues_a_push_whose_message_was_lost(app, db, host, httpserver, worker):
    httpserver.expect_request(ROUTES, method="POST").respond_with_json({"id": "r-5"}, status=201)
    from plugin.store.installations import by_client_key

    with db.unit_of_work() as session:
        installation = by_client_key(session, host.client_key)
        # Recorded, never enqueued: as if the queue lost the message two minutes ago.
        push = pushes.create_push(session, installation.id, ["trunk-rotation"])
        push.next_attempt_at = clock.now() - timedelta(minutes=2)
        push_id = push.id
    time.sleep(0.3)
    with db.unit_of_work() as session:
        assert session.get(PushRow, push_id).status == "pending"
    worker.sweep.call_local()
    done = wait_for(host, push_id)
    assert done["status"] == "delivered" and done["remote_ids"] == {"trunk-rotation": {"routine": "r-5"}}
    assert len(httpserver.log) == 1

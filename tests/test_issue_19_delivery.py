"""Issue 19, findings 5 and 10: pushes reach a deduplicating host exactly once, and the worker
says what it does.

The host stand-in (tests/dedup_host.py) does the work once per webhook-id and answers a
repeat with its first answer, as Standard Webhooks tells receivers to; before the fix
every attempt carried a new id, so a lost answer or a killed worker made a second copy.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time

import pytest
from dedup_host import DedupHost, serving
from hostkit import Host, host_config
from processes import environment, worker

from plugin.config import keyring, sync_lookback
from plugin.jobs import jobs, policy, run_push_to_end
from plugin.services import pushes, sync
from plugin.store.installations import InstallationRow, by_client_key
from plugin.store.pushes import PushRow
from plugin.trackers import base

LEASE_S = 1.0


@pytest.fixture
def app_config(database_config, tmp_path):
    return host_config(
        database_config, tmp_path, PUSH_BACKOFF_BASE_S=0.05, PUSH_MAX_ATTEMPTS=4, PUSH_LEASE_S=LEASE_S
    )


def _push(db, push_id: str) -> PushRow:
    with db.unit_of_work() as session:
        row = session.get(PushRow, push_id)
        assert row is not None
        return row


def _wait_status(db, push_id: str, wanted: str, timeout: float = 60.0) -> PushRow:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = _push(db, push_id)
        if row.status == wanted:
            return row
        time.sleep(0.1)
    raise AssertionError(f"push {push_id} is {row.status}, not {wanted}, after {timeout} s")


def test_an_answer_slower_than_the_read_timeout_is_not_a_second_copy(app, client, db, monkeypatch):
    # The host does the work, then answers after our read timeout: we see a failure it did not have.
    monkeypatch.setattr(base, "TIMEOUT", (2, 0.3))
    with serving(DedupHost(delay_first_answer_s=1.0)) as stand_in:
        host = Host(client)
        host.install(base_url=stand_in.url)
        push_id = host.export(["daily-hamstring", "trunk-rotation"]).json["id"]
        assert run_push_to_end(app, push_id, poll_s=0.05) == "delivered"
        row = _push(db, push_id)
        assert row.attempts >= 2  # the first attempt timed out
        assert stand_in.copies() == {"daily-hamstring": 1, "trunk-rotation": 1}
        # Every attempt of one routine carried its one webhook-id, the one kept with the push.
        ids = stand_in.ids_per_routine()
        assert ids == {
            routine: {row.webhook_ids[routine]} for routine in ("daily-hamstring", "trunk-rotation")
        }
        assert len(stand_in.received) >= 3  # at least one routine was sent twice
        # The host's own id, from its answer to the repeat, is taken over.
        held = stand_in.held()
        assert row.remote_ids == {r: {"routine": held[r]} for r in held}


def test_a_worker_killed_mid_push_is_followed_by_one_copy_under_the_same_id(app, client, db, tmp_path):
    with serving(DedupHost(hold_first=True)) as stand_in:
        host = Host(client)
        host.install(base_url=stand_in.url)
        env = environment(app.config)
        log_path = tmp_path / "worker.log"
        with worker(env, log_path, workers=1) as first:
            push_id = host.export(["daily-hamstring"]).json["id"]
            assert stand_in.arrived.wait(60), log_path.read_text()
            first.send_signal(signal.SIGKILL)  # mid-push: the host has the routine, we never hear so
            first.wait(10)
        stand_in.release.set()
        assert _push(db, push_id).status == "running"  # nobody is left to finish it
        time.sleep(LEASE_S * 1.5)  # the dead worker renews nothing: its lease lapses
        with worker(env, log_path, workers=1):
            row = _wait_status(db, push_id, "delivered")
        assert stand_in.copies() == {"daily-hamstring": 1}
        assert [r.webhook_id for r in stand_in.received] == [row.webhook_ids["daily-hamstring"]] * 2
        assert row.remote_ids == {"daily-hamstring": {"routine": "r-1"}}
        lines = [json.loads(line.split(" stretchsync.jobs ", 1)[1]) for line in _job_lines(log_path)]
        delivered = [
            line for line in lines if line["job"] == "deliver_push" and line["outcome"] == "delivered"
        ]
        assert [(d["push"], d["attempt"]) for d in delivered] == [(push_id, 2)]


def _job_lines(log_path) -> list[str]:
    return [line for line in log_path.read_text().splitlines() if " stretchsync.jobs " in line]


def test_a_running_push_renews_its_lease_so_the_sweep_leaves_it_alone(app, client, db):
    with serving(DedupHost(delay_first_answer_s=LEASE_S * 2.5)) as stand_in:
        host = Host(client)
        host.install(base_url=stand_in.url)
        push_id = host.export(["daily-hamstring"]).json["id"]
        done = threading.Thread(target=run_push_to_end, args=(app, push_id, 0.05))
        done.start()
        _wait_status(db, push_id, "running")
        lapsed = []
        while done.is_alive():
            lapsed += pushes.overdue(db, grace_s=60, lease_s=LEASE_S)
            time.sleep(LEASE_S / 4)
        done.join()
        assert lapsed == [] and _push(db, push_id).status == "delivered"
        assert stand_in.copies() == {"daily-hamstring": 1} and len(stand_in.received) == 1


def test_every_job_writes_one_line_saying_what_it_did(app, client, db, caplog):
    caplog.set_level(logging.INFO, logger="stretchsync.jobs")
    with serving(DedupHost()) as stand_in:
        host = Host(client)
        host.install(base_url=stand_in.url)
        push_id = host.export(["daily-hamstring"]).json["id"]
        queue = jobs(app)
        queue.deliver_push.call_local(push_id)
        queue.deliver_push.call_local(push_id)  # a duplicate message: nothing to do
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "stretchsync.jobs"]
    installation = _installation_id(db, host.client_key)
    assert [(x["job"], x["push"], x["installation"], x["attempt"], x["outcome"]) for x in lines] == [
        ("deliver_push", push_id, installation, 1, "delivered"),
        ("deliver_push", push_id, installation, 1, "skipped"),
    ]
    assert all(isinstance(x["duration_ms"], int) for x in lines)
    assert host.secret not in caplog.text and host.secret[6:] not in caplog.text


def _installation_id(db, client_key: str) -> str:
    with db.unit_of_work() as session:
        row = by_client_key(session, client_key)
        assert row is not None
        return row.id


def test_a_failing_pull_tracker_backs_off_and_logs_one_short_line(app, client, db, httpserver, caplog):
    caplog.set_level(logging.INFO)
    httpserver.expect_request("/api/v2/workoutsession/").respond_with_data("Traceback: boom", status=500)
    httpserver.expect_request("/").respond_with_data("down", status=500)
    host = Host(client)
    assert (
        host.install(
            tracker="wger", base_url=httpserver.url_for("/").rstrip("/"), credentials={"token": "t-1"}
        ).status_code
        == 201
    )
    installation = _installation_id(db, host.client_key)
    queue = jobs(app)
    for _ in range(5):  # five sweeps, a minute apart in production
        queue.sweep.call_local()
        while queue.huey.pending_count():
            task = queue.huey.dequeue()
            if task is not None:
                queue.huey.execute(task)
    requests_made = len(httpserver.log)
    assert requests_made >= 1
    with db.unit_of_work() as session:
        row = session.get(InstallationRow, installation)
        assert row.sync_failures == 1 and row.sync_last_error
        assert "\n" not in row.sync_last_error and len(row.sync_last_error) <= 200
        # The next poll waits at least the manifest's interval (wger: 900 s), not the next sweep.
        waited = (row.sync_next_at.replace(tzinfo=None) - row.updated_at.replace(tzinfo=None)).total_seconds()
        assert waited >= 899
    syncs = [json.loads(r.getMessage()) for r in caplog.records if r.name == "stretchsync.jobs"]
    syncs = [s for s in syncs if s["job"] == "sync"]
    assert [(s["installation"], s["outcome"], s["attempt"]) for s in syncs] == [(installation, "retry", 1)]
    assert "\n" not in syncs[0]["error"] and syncs[0]["retry_in_s"] >= 899
    assert not [r for r in caplog.records if r.exc_info], "no traceback for a tracker that is down"


def test_a_sync_failing_again_waits_longer(app, db, client, httpserver):
    httpserver.expect_request("/").respond_with_data("down", status=503)
    httpserver.expect_request("/api/v2/workoutsession/").respond_with_data("down", status=503)
    host = Host(client)
    host.install(tracker="wger", base_url=httpserver.url_for("/").rstrip("/"), credentials={"token": "t"})
    installation = _installation_id(db, host.client_key)
    app.config["PUSH_BACKOFF_BASE_S"] = 600.0
    waits = []
    with app.app_context():
        for _ in range(3):
            ran = sync.run_sync(db, keyring(app), installation, sync_lookback(app), policy(app).delay)
            waits.append(ran.wait_s)
    assert waits == [900.0, 1200.0, 2400.0]  # the interval, then the push backoff once it is longer

"""Background work on huey: pushes, syncs and a periodic sweep that re-enqueues lost work.

Storage is SQLite in the instance folder by default, Redis when PLUGIN_REDIS_URL
is set. Messages carry only ids; the database rows say what is due, so a lost
message costs a minute (the sweep), never a push.

Every job writes one line to the ``stretchsync.jobs`` log, a JSON object: ``job``,
``installation``, ``push``/``event``, ``attempt``, ``outcome``, ``duration_ms``, and a
short one-line ``error`` when it failed; never a secret, never a traceback for a
tracker that is down (docs/deployment.md#what-the-worker-logs).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper
from huey.consumer import Consumer

from plugin import clock
from plugin.config import keyring, sync_lookback
from plugin.services import feeds, pushes, strava, sync
from plugin.store import installations as installation_repo
from plugin.store.db import Database
from plugin.store.pushes import DELIVERED, FAILED, PushRow

log = logging.getLogger(__name__)
job_log = logging.getLogger("stretchsync.jobs")
EXTENSION = "stretchsync.jobs"


@contextmanager
def logged_job(job: str, **fields: Any) -> Iterator[dict[str, Any]]:
    """Write the job's one log line when it ends; the body fills in ``outcome`` and more fields."""
    line: dict[str, Any] = {"job": job, **fields, "outcome": "done"}
    started = time.monotonic()
    try:
        yield line
    except Exception as err:
        line["outcome"], line["error"] = "error", f"{type(err).__name__}: {_short(str(err))}"
        raise
    finally:
        line["duration_ms"] = round((time.monotonic() - started) * 1000)
        job_log.info(json.dumps(line, default=str))


def _short(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass
class Jobs:
    huey: Huey
    deliver_push: TaskWrapper
    sync_installation: TaskWrapper
    sweep: TaskWrapper
    strava_event: TaskWrapper
    strava_post: TaskWrapper
    rebuild_feeds: TaskWrapper

    def enqueue_push(self, push_id: str, delay: float | None = None) -> None:
        if delay:
            self.deliver_push.schedule((push_id,), delay=delay)
        else:
            self.deliver_push(push_id)

    def start_beside_server(self, workers: int = 1) -> Consumer:
        """Start a consumer in threads of this process (development), leaving its signals alone."""
        # Consumer.start() takes over SIGTERM/SIGINT/SIGHUP, which only its own run() loop
        # acts on; the server must still stop on them.
        saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
        consumer = self.consumer(workers=workers)
        consumer.start()
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        return consumer

    def run_worker(self, workers: int = 2) -> None:
        """Run a worker process until it is stopped: one log line per job, a sweep at once.

        The first sweep picks up what a dead worker left behind (a push whose lease has
        lapsed) without waiting for the minute's periodic one.
        """
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
        logging.getLogger("huey").setLevel(logging.WARNING)  # our line per job says it, once
        self.sweep()
        self.consumer(workers=workers).run()

    def consumer(self, workers: int = 2, **options: Any) -> Consumer:
        """A consumer for these tasks; ``start()`` it in a thread or ``run()`` it as the main loop."""
        options.setdefault("max_delay", 1.0)  # SQLite storage is polled: keep new work's wait short
        return self.huey.create_consumer(workers=workers, worker_type="thread", **options)


def policy(app: Flask) -> pushes.RetryPolicy:
    return pushes.RetryPolicy(
        max_attempts=int(app.config["PUSH_MAX_ATTEMPTS"]),
        base_s=float(app.config["PUSH_BACKOFF_BASE_S"]),
        max_s=float(app.config["PUSH_BACKOFF_MAX_S"]),
        lease_s=float(app.config["PUSH_LEASE_S"]),
    )


def _make_huey(app: Flask) -> Huey:
    name = app.config["HUEY_NAME"]
    if app.config.get("REDIS_URL"):
        return RedisHuey(name, url=app.config["REDIS_URL"], results=False)
    path = app.config.get("HUEY_SQLITE_PATH") or os.path.join(app.instance_path, "huey.db")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return SqliteHuey(name, filename=path, results=False)


def jobs(app: Flask) -> Jobs:
    """The app's queue and tasks, built on first use (after the instance folder is known)."""
    existing = app.extensions.get(EXTENSION)
    if existing is not None:
        return existing
    # The tasks run in worker threads with no app context: they must hold the app itself,
    # not the current_app proxy a caller may have passed.
    app = getattr(app, "_get_current_object", lambda: app)()
    huey = _make_huey(app)
    db: Database = app.extensions["stretchsync.db"]

    def deliver_push(push_id: str) -> None:
        with logged_job("deliver_push", push=push_id) as line, app.app_context():
            before = _attempts(db, push_id)
            wait = pushes.attempt(db, keyring(app), push_id, policy(app))
            line.update(_push_fields(db, push_id, wait, ran=_attempts(db, push_id) != before))
        if wait is not None:
            made.enqueue_push(push_id, delay=wait)

    def sync_installation(installation_id: str) -> None:
        with logged_job("sync", installation=installation_id) as line, app.app_context():
            ran = sync.run_sync(db, keyring(app), installation_id, sync_lookback(app), policy(app).delay)
            if ran.error is None:
                line["counts"] = ran.counts
            else:
                line.update(
                    outcome="retry", attempt=ran.failures, error=ran.error, retry_in_s=round(ran.wait_s or 0)
                )

    def strava_event(body: dict) -> None:
        fields = {"event": f"{body.get('object_type')}/{body.get('object_id')}/{body.get('aspect_type')}"}
        with logged_job("strava_event", **fields) as line, app.app_context():
            line["outcome"] = strava.handle_event(db, keyring(app), app.config, body)

    def strava_post(installation_id: str) -> None:
        with logged_job("strava_post", installation=installation_id), app.app_context():
            strava.post_pending(db, keyring(app), app.config, installation_id)

    def rebuild_feeds(installation_id: str) -> None:
        with logged_job("rebuild_feeds", installation=installation_id), app.app_context():
            feeds.rebuild_installation_feeds(db, installation_id)

    def sweep() -> None:
        with logged_job("sweep") as line, app.app_context():
            lost = pushes.overdue(db, lease_s=policy(app).lease_s)
            polled = sync.due_for_polling(db)
            line.update(pushes=len(lost), syncs=len(polled))
            for push_id in lost:
                made.enqueue_push(push_id)
            # A plan's week moved on or a pain hold began or ended: the trackers get the new dose.
            line["dose_pushes"] = len(pushes.push_changed_doses(db, made.enqueue_push))
            for installation_id in polled:
                made.sync_installation(installation_id)
            for installation_id in strava.posting_installations(db):
                made.strava_post(installation_id)
            # Feeds marked stale by imports: rendered here once, so a subscriber's next poll
            # is a plain read (a fetch renders a stale feed itself when no worker runs).
            feeds.rebuild_stale_feeds(db)
            with db.unit_of_work() as session:
                installation_repo.forget_seen_before(session, clock.now() - _seen_window(app))

    made = Jobs(
        huey=huey,
        deliver_push=huey.task(name="deliver_push")(deliver_push),
        # No queue retries: a failing sync records its backoff and the sweep polls it when due.
        sync_installation=huey.task(name="sync_installation")(sync_installation),
        sweep=huey.periodic_task(crontab(minute="*"), name="sweep")(sweep),
        # A TrackerError (Strava down, rate limited) is retried; the event itself is only a pointer.
        strava_event=huey.task(name="strava_event", retries=3, retry_delay=60)(strava_event),
        strava_post=huey.task(name="strava_post", retries=3, retry_delay=300)(strava_post),
        rebuild_feeds=huey.task(name="rebuild_feeds")(rebuild_feeds),
    )
    app.extensions[EXTENSION] = made
    return made


def _attempts(db: Database, push_id: str) -> int | None:
    with db.unit_of_work() as session:
        row = session.get(PushRow, push_id)
        return row.attempts if row is not None else None


def _push_fields(db: Database, push_id: str, wait: float | None, *, ran: bool) -> dict[str, Any]:
    with db.unit_of_work() as session:
        row = session.get(PushRow, push_id)
        if row is None:
            return {"outcome": "gone"}
        fields: dict[str, Any] = {"installation": row.installation_id, "attempt": row.attempts}
        if not ran:
            fields["outcome"] = "skipped"  # not due, finished, or another worker holds it
        elif wait is not None:
            fields.update(outcome="retry", retry_in_s=round(wait), error=_short(row.last_error or ""))
        elif row.status in (DELIVERED, FAILED):
            fields["outcome"] = row.status
            if row.status == FAILED:
                fields["error"] = _short(row.last_error or "")
        return fields


def schedule_feed_rebuilds(app: Flask) -> None:
    """Queue a feed's rebuild PLUGIN_FEED_REBUILD_DELAY_S after an import marks it stale.

    Registered when the app is made; the queue itself is built on first use (after the
    instance folder is known). The delay lets one rebuild cover a burst of imports.
    """
    db: Database = app.extensions["stretchsync.db"]
    delay = float(app.config["FEED_REBUILD_DELAY_S"])

    def schedule(installation_id: str) -> None:
        jobs(app).rebuild_feeds.schedule((installation_id,), delay=delay)

    feeds.schedule_rebuilds(db, schedule)


def _seen_window(app: Flask) -> timedelta:
    # A webhook id older than twice the tolerance can only come with a stale timestamp.
    return timedelta(seconds=2 * int(app.config["SIGNATURE_TOLERANCE_S"]))


def run_push_to_end(app: Flask, push_id: str, poll_s: float = 0.2) -> str:
    """Run a push in this process, waiting out its backoffs; return its final status."""
    db: Database = app.extensions["stretchsync.db"]
    while True:
        wait = pushes.attempt(db, keyring(app), push_id, policy(app))
        with db.unit_of_work() as session:
            row = session.get(PushRow, push_id)
            current = row.status if row else FAILED
        if current in (DELIVERED, FAILED):
            return current
        time.sleep(wait if wait is not None else poll_s)

"""Background work on huey: pushes, syncs and a periodic sweep that re-enqueues lost work.

Storage is SQLite in the instance folder by default, Redis when PLUGIN_REDIS_URL
is set. Messages carry only ids; the database rows say what is due, so a lost
message costs a minute (the sweep), never a push.
"""

from __future__ import annotations

import logging
import os
import signal
import time
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
EXTENSION = "stretchsync.jobs"


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

    def consumer(self, workers: int = 2, **options: Any) -> Consumer:
        """A consumer for these tasks; ``start()`` it in a thread or ``run()`` it as the main loop."""
        options.setdefault("max_delay", 1.0)  # SQLite storage is polled: keep new work's wait short
        return self.huey.create_consumer(workers=workers, worker_type="thread", **options)


def policy(app: Flask) -> pushes.RetryPolicy:
    return pushes.RetryPolicy(
        max_attempts=int(app.config["PUSH_MAX_ATTEMPTS"]),
        base_s=float(app.config["PUSH_BACKOFF_BASE_S"]),
        max_s=float(app.config["PUSH_BACKOFF_MAX_S"]),
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
        with app.app_context():
            wait = pushes.attempt(db, keyring(app), push_id, policy(app))
        if wait is not None:
            made.enqueue_push(push_id, delay=wait)

    def sync_installation(installation_id: str) -> None:
        with app.app_context():
            sync.sync(db, keyring(app), installation_id, sync_lookback(app))

    def strava_event(body: dict) -> None:
        with app.app_context():
            outcome = strava.handle_event(db, keyring(app), app.config, body)
        log.info("Strava event %s/%s: %s", body.get("object_type"), body.get("object_id"), outcome)

    def strava_post(installation_id: str) -> None:
        with app.app_context():
            strava.post_pending(db, keyring(app), app.config, installation_id)

    def rebuild_feeds(installation_id: str) -> None:
        with app.app_context():
            feeds.rebuild_installation_feeds(db, installation_id)

    def sweep() -> None:
        with app.app_context():
            for push_id in pushes.overdue(db):
                made.enqueue_push(push_id)
            # A plan's week moved on or a pain hold began or ended: the trackers get the new dose.
            pushes.push_changed_doses(db, made.enqueue_push)
            for installation_id in sync.due_for_polling(db):
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
        sync_installation=huey.task(name="sync_installation", retries=3, retry_delay=60)(sync_installation),
        sweep=huey.periodic_task(crontab(minute="*"), name="sweep")(sweep),
        # A TrackerError (Strava down, rate limited) is retried; the event itself is only a pointer.
        strava_event=huey.task(name="strava_event", retries=3, retry_delay=60)(strava_event),
        strava_post=huey.task(name="strava_post", retries=3, retry_delay=300)(strava_post),
        rebuild_feeds=huey.task(name="rebuild_feeds")(rebuild_feeds),
    )
    app.extensions[EXTENSION] = made
    return made


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

"""Pushing routines to a tracker: the push record is the truth, attempts are idempotent steps.

A push moves pending → running → delivered, or back to pending with a
``next_attempt_at`` after a retryable failure (exponential backoff, never
sooner than the tracker's Retry-After), or to failed with its last error.
Routines already delivered within a push are not sent again on a retry.

Each routine of a push is one message with one ``webhook-id``, chosen when the push is
recorded and sent on every attempt, so a host that deduplicates on it creates the
routine once even when an answer was lost (a read timeout, a worker killed mid-call).
A running push holds a short lease (its ``updated_at``, renewed while the worker
works); when the worker dies the lease runs out and the sweep hands the push on.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from plugin import clock, i18n
from plugin.catalog.localize import localize
from plugin.catalog.model import Routine
from plugin.crypto import Keyring
from plugin.errors import InvalidInput, NotFound
from plugin.formats import weekly
from plugin.services import installations, plan_state
from plugin.services.routines import check_routine_ids, get_routine
from plugin.store import installations as installation_repo
from plugin.store import pushes as repo
from plugin.store import uow
from plugin.store.db import Database
from plugin.store.pushes import DELIVERED, FAILED, PENDING, RUNNING, PushRow, PushStateRow
from plugin.trackers import registry
from plugin.trackers.base import TrackerError

log = logging.getLogger(__name__)
MAX_ROUTINES = 20


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_s: float = 30.0
    max_s: float = 6 * 3600.0
    lease_s: float = 60.0  # a running push whose lease is this old has no live worker

    def delay(self, attempts: int, retry_after: float | None) -> float:
        """Wait before attempt ``attempts + 1``: base × 2^(attempts-1), at least Retry-After."""
        backoff = min(self.max_s, self.base_s * 2 ** max(0, attempts - 1))
        return max(backoff, retry_after or 0.0)


def create_push(
    session: Session,
    installation_id: str,
    routine_ids: list[str],
    enqueue: Callable[[str], object] | None = None,
) -> PushRow:
    """Record a push of these routines, due now; InvalidInput names an unknown routine.

    ``enqueue`` (the job queue's) is called with the push id once the unit of work has
    committed: a fast worker must not look for a push that is not there yet.
    """
    if not routine_ids:
        raise InvalidInput("give at least one routine", field="routines")
    if len(routine_ids) > MAX_ROUTINES:
        raise InvalidInput(f"at most {MAX_ROUTINES} routines per push", field="routines")
    check_routine_ids(session, routine_ids)
    routines = list(dict.fromkeys(routine_ids))
    row = PushRow(
        installation_id=installation_id,
        routines=routines,
        status=PENDING,
        attempts=0,
        next_attempt_at=clock.now(),
        remote_ids={},
        webhook_ids={routine_id: "msg_" + secrets.token_urlsafe(18) for routine_id in routines},
    )
    session.add(row)
    session.flush()
    if enqueue is not None:
        uow.after_commit(session, functools.partial(_enqueue_or_leave_to_sweep, enqueue, row.id))
    return row


def _enqueue_or_leave_to_sweep(enqueue: Callable[[str], object], push_id: str) -> None:
    try:
        enqueue(push_id)
    except Exception:  # noqa: BLE001 - the push row is the truth; the periodic sweep re-enqueues it
        log.exception("could not enqueue push %s; the sweep will", push_id)


def status(session: Session, installation_id: str, push_id: str) -> PushRow:
    """A push of this installation (PushSchema dumps it); NotFound for any other."""
    row = repo.get_for(session, installation_id, push_id)
    if row is None:
        raise NotFound(f"no push {push_id!r}", field="id")
    return row


def installation_of(session: Session, push_id: str) -> str:
    """The installation a push belongs to (for operators, who act across installations)."""
    row = session.get(PushRow, push_id)
    if row is None:
        raise NotFound(f"no push {push_id!r}", field="id")
    return row.installation_id


def attempt(db: Database, keys: Keyring, push_id: str, policy: RetryPolicy) -> float | None:
    """Run one attempt of a due push; return the seconds until the next one, or None when done.

    Only one worker runs an attempt: the pending → running switch is a
    conditional UPDATE. A push not due, already running or finished is left alone.
    """
    now = clock.now()
    with db.unit_of_work() as session:
        switch = (
            update(PushRow)
            .where(PushRow.id == push_id, PushRow.status == PENDING, PushRow.next_attempt_at <= now)
            .values(status=RUNNING, attempts=PushRow.attempts + 1, updated_at=now)
        )
        # An UPDATE's result is a CursorResult, which counts the rows (Session.execute types it as Result).
        claimed = cast("CursorResult[Any]", session.execute(switch)).rowcount
    if not claimed:
        return None
    try:
        with _Lease(db, push_id, renew_every_s=policy.lease_s / 3):
            _deliver(db, keys, push_id)
    except TrackerError as err:
        return _failed_attempt(db, push_id, err.message, err.retryable, err.retry_after, policy)
    except Exception as err:  # noqa: BLE001 - a bug must end as a visible failure, never a lost push
        log.exception("push %s failed unexpectedly", push_id)
        return _failed_attempt(
            db, push_id, f"internal error: {type(err).__name__}: {err}", False, None, policy
        )
    with db.unit_of_work() as session:
        row = session.get(PushRow, push_id)
        if row is not None:
            row.status, row.last_error, row.finished_at, row.next_attempt_at = (
                DELIVERED,
                None,
                clock.now(),
                None,
            )
    return None


def message_id(row: PushRow, routine_id: str) -> str:
    """The webhook-id of one routine's message in a push: the same on every attempt."""
    # A push recorded before webhook ids were kept gets one derived from its own ids, as stable.
    return (row.webhook_ids or {}).get(routine_id) or f"msg_{row.id}_{routine_id}"


class _Lease:
    """Renew a running push's lease while this worker delivers it (a thread beside the calls)."""

    def __init__(self, db: Database, push_id: str, renew_every_s: float) -> None:
        self.db, self.push_id, self.every_s = db, push_id, max(0.05, renew_every_s)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._renew, name=f"lease-{push_id}", daemon=True)

    def __enter__(self) -> _Lease:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join()

    def _renew(self) -> None:
        while not self.stopped.wait(self.every_s):
            try:
                with self.db.unit_of_work() as session:
                    session.execute(
                        update(PushRow)
                        .where(PushRow.id == self.push_id, PushRow.status == RUNNING)
                        .values(updated_at=clock.now())
                    )
            except Exception:  # noqa: BLE001 - a missed renewal costs at most a resend under the same id
                log.warning("could not renew the lease of push %s", self.push_id)


def _deliver(db: Database, keys: Keyring, push_id: str) -> None:
    with db.unit_of_work() as session:
        row = session.get(PushRow, push_id)
        if row is None:
            return  # uninstalled meanwhile: nothing left to deliver to
        installation = installation_repo.get(session, row.installation_id)
        if installation is None:
            return
        tracker = registry.build(
            installation.tracker,
            installations.credentials(installation, keys),
            dict(installation.tracker_state or {}),
        )
        tracker_key = installation.tracker
        plan = installations.plan_of(session, installation)
        todo = [r for r in row.routines if r not in (row.remote_ids or {})]
        # The dose of the plan's week, and a pain hold's warning first (docs/catalog.md#progression),
        # every text in the plan's language.
        lang = i18n.language(plan.language if plan else i18n.DEFAULT)
        with i18n.using(lang):
            routines = {
                r: plan_state.routine_now(
                    session, plan, installation.id, localize(get_routine(session, r), lang)
                )
                for r in todo
            }
        message_ids = {r: message_id(row, r) for r in todo}
        installation_id = installation.id
    for routine_id, routine in routines.items():
        with db.unit_of_work() as session:
            state_row = repo.state(session, installation_id, routine_id)
            state = dict(state_row.state) if state_row else {}
        # The tracker gets every text in the plan's language; ids and the marker stay as they are.
        with i18n.using(lang):
            outcome = tracker.push(routine, plan, state, message_id=message_ids[routine_id])
            digest = payload_digest(tracker_key, routine)
        # Each delivered routine is saved at once: a later failure must not resend it.
        with db.unit_of_work() as session:
            state_row = repo.state(session, installation_id, routine_id)
            if state_row is None:
                state_row = PushStateRow(installation_id=installation_id, routine_id=routine_id)
                session.add(state_row)
            state_row.remote_ids, state_row.state, state_row.payload_hash = (
                outcome.remote_ids,
                outcome.state,
                digest,
            )
            row = session.get(PushRow, push_id)
            if row is not None:
                row.remote_ids = {**(row.remote_ids or {}), routine_id: outcome.remote_ids}


def _failed_attempt(
    db: Database, push_id: str, error: str, retryable: bool, retry_after: float | None, policy: RetryPolicy
) -> float | None:
    with db.unit_of_work() as session:
        row = session.get(PushRow, push_id)
        if row is None:
            return None
        row.last_error = error[:2000]
        if retryable and row.attempts < policy.max_attempts:
            wait = policy.delay(row.attempts, retry_after)
            row.status, row.next_attempt_at = PENDING, clock.now() + timedelta(seconds=wait)
            return wait
        row.status, row.finished_at, row.next_attempt_at = FAILED, clock.now(), None
        return None


def payload_digest(tracker: str, routine: Routine) -> str:
    """The hash of what ``tracker`` is sent for ``routine``: a change means the tracker's copy is old."""
    return hashlib.sha256(registry.format_for(tracker).export(routine)).hexdigest()


def push_changed_doses(db: Database, enqueue: Callable[[str], object] | None = None) -> list[str]:
    """Push again every routine whose payload changed since its last delivery; the new push ids.

    A plan's week moves on, a pain hold starts or ends: what a tracker holds of a routine
    (``PushStateRow.payload_hash``) no longer matches what it would be sent now. The new
    push carries the remembered state, so the tracker updates the routine it has. A routine
    already in a push not yet finished is left to it, so one change makes one push.
    """
    made = []
    with db.unit_of_work() as session:
        for installation_id, routine_ids in _changed(session).items():
            made.append(create_push(session, installation_id, routine_ids, enqueue).id)
    return made


def _changed(session: Session) -> dict[str, list[str]]:
    changed: dict[str, list[str]] = {}
    now = clock.now()
    for installation in repo.installations_with_states(session):
        plan = installations.plan_of(session, installation)
        if plan is None:
            continue
        planned = {r.id: r for r in plan.routines}
        open_ids = {r for push in repo.open_pushes(session, installation.id) for r in push.routines}
        waiting = [
            state_row
            for state_row in repo.states(session, installation.id)
            if state_row.routine_id in planned and state_row.routine_id not in open_ids
        ]
        if not waiting:
            continue
        today = plan_state.today_of(plan, now)
        progress = plan_state.plan_progress(session, plan, installation.id, now)
        with i18n.using(plan.language) as lang:  # as _deliver writes it
            for state_row in waiting:
                planned_routine = localize(planned[state_row.routine_id], lang)
                now_routine = weekly.routine_on(planned_routine, progress, today)
                if payload_digest(installation.tracker, now_routine) != state_row.payload_hash:
                    changed.setdefault(installation.id, []).append(state_row.routine_id)
    return changed


def overdue(db: Database, grace_s: float = 60.0, lease_s: float = RetryPolicy.lease_s) -> list[str]:
    """Ids of pushes whose queue message seems lost: due for a while, or running with a lapsed lease.

    A push whose worker died goes back to pending so the next attempt can claim it; it is
    sent again under the same webhook-ids.
    """
    now = clock.now()
    with db.unit_of_work() as session:
        rows = repo.due(session, now - timedelta(seconds=grace_s), now - timedelta(seconds=lease_s))
        for row in rows:
            if row.status == RUNNING:
                row.status, row.next_attempt_at = PENDING, now
        return [row.id for row in rows]

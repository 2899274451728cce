"""The unit of work: one transaction, and the effects that may run only once it has committed.

A use case changes rows through ``session`` and queues what reaches outside the
database (a CalDAV PUT or DELETE, a job enqueue) with ``after_commit``. The
effects run after a successful commit, in the order they were queued, with no
transaction open; a rollback drops them. Holding a transaction across a network
call would hold SQLite's one writer lock (and PostgreSQL row locks) for as long as
the other server takes to answer, stalling every other write meanwhile.

The shape follows cosmicpython's chapter 6 (github.com/cosmicpython/code, branch
chapter_06_uow): nothing is committed unless ``commit()`` is called.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

if TYPE_CHECKING:
    from plugin.store.db import Database

log = logging.getLogger(__name__)

Effect = Callable[[], Any]
_KEY = "stretchsync.unit_of_work"


class UnitOfWork:
    """A session in one transaction, plus the effects queued to run after it commits."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.session: Session = database.sessions()
        self.session.info[_KEY] = self
        self._effects: list[Effect] = []
        self.committed = False

    def after_commit(self, effect: Effect) -> None:
        """Queue ``effect`` to run once this unit of work has committed; a rollback drops it."""
        self._effects.append(effect)

    def commit(self) -> None:
        """Commit, then run the queued effects in order.

        An effect that raises is logged and the next one still runs: the data is
        committed and stays so. A caller that needs an outcome runs that call itself
        after the commit instead of queueing it.
        """
        self.session.commit()
        self.committed = True
        effects, self._effects = self._effects, []
        for effect in effects:
            try:
                effect()
            except Exception:  # noqa: BLE001 - the commit stands; the effect's own retry path owns it
                log.exception("an effect after commit failed: %r", effect)

    def rollback(self) -> None:
        """Roll back and forget every queued effect."""
        self._effects.clear()
        self.session.rollback()

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Whatever was not committed explicitly is rolled back (a no-op after commit).
        try:
            self.rollback()
        finally:
            self.session.info.pop(_KEY, None)
            self.session.close()


def of(session: Session) -> UnitOfWork:
    """The unit of work that owns ``session``; LookupError for a session made some other way."""
    found = session.info.get(_KEY)
    if found is None:
        raise LookupError("this session belongs to no unit of work")
    return found


def after_commit(session: Session, effect: Effect) -> None:
    """Queue ``effect`` on the unit of work of ``session`` (see ``UnitOfWork.after_commit``)."""
    of(session).after_commit(effect)


def _drop_effects(session: Session, previous_transaction: SessionTransaction) -> None:
    # A rollback of the outermost transaction, whoever calls it (web/signing.py rolls back a
    # refused call on the session itself), means nothing it queued may happen. A savepoint's
    # rollback leaves the transaction and its effects alive.
    if previous_transaction.parent is None and not previous_transaction.nested:
        found = session.info.get(_KEY)
        if found is not None:
            found._effects.clear()


def watch_rollbacks(sessions: sessionmaker[Session]) -> None:
    """Make every rollback of a session from ``sessions`` drop its unit of work's effects."""
    event.listen(sessions, "after_soft_rollback", _drop_effects)

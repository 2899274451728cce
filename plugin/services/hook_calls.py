"""Replay protection: a webhook-id is claimed before its call runs and keeps the answer it got."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from plugin.store.db import Database
from plugin.store.installations import SeenWebhookRow


def claim(db: Database, scope: str, webhook_id: str, installation_id: str | None) -> SeenWebhookRow | None:
    """Claim ``webhook_id`` in ``scope``; return the earlier claim when it was already taken."""
    try:
        with db.unit_of_work() as session:
            session.add(SeenWebhookRow(scope=scope, webhook_id=webhook_id, installation_id=installation_id))
        return None
    except IntegrityError:
        # The primary key decides races: whoever inserted first owns the id.
        with db.unit_of_work() as session:
            return session.get(SeenWebhookRow, (scope, webhook_id))


def settle(
    db: Database, scope: str, webhook_id: str, installation_id: str | None, status: int, answer: Any
) -> None:
    """Keep the answer a claimed call got, for replays of it, with the installation it concerns."""
    with db.unit_of_work() as session:
        row = session.get(SeenWebhookRow, (scope, webhook_id))
        if row is not None:
            row.installation_id, row.status, row.answer = installation_id, status, answer


def release(db: Database, scope: str, webhook_id: str) -> None:
    """Forget a claim whose call failed, so the caller may retry it and nothing stays behind."""
    with db.unit_of_work() as session:
        session.execute(
            delete(SeenWebhookRow).where(
                SeenWebhookRow.scope == scope, SeenWebhookRow.webhook_id == webhook_id
            )
        )

"""Access to what create_app built, from inside a request or app context."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, g, request
from sqlalchemy.orm import Session

from plugin.store.db import Database


def database() -> Database:
    return current_app.extensions["stretchsync.db"]


def base_url() -> str:
    """The public base URL: PLUGIN_BASE_URL when set, else the request's own root."""
    configured = current_app.config.get("BASE_URL") or ""
    return (configured or request.host_url).rstrip("/")


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """The signed call's own transaction when there is one, else a new unit of work.

    A signed hook's effect commits together with its webhook-id (web/signing.py), so
    a replay can never find the id without the effect, nor the effect without the id.
    What must wait for that commit is queued with ``plugin.store.uow.after_commit``.
    """
    ambient = g.get("signed_session")
    if ambient is not None:
        yield ambient
        return
    with database().unit_of_work() as session:
        yield session

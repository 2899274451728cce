"""Which trackers exist: key → factory(credentials, state) returning a Tracker.

Each factory also names, as its ``format`` attribute, the export format
(plugin.formats.registry) that builds its payload. Adding a tracker is one line here.
"""

from __future__ import annotations

from typing import Any, Protocol

from plugin.errors import InvalidInput
from plugin.formats import registry as formats
from plugin.trackers import strava
from plugin.trackers.base import Credentials, Tracker
from plugin.trackers.hevy import HevyTracker
from plugin.trackers.host import HostTracker
from plugin.trackers.wger import WgerTracker


class Factory(Protocol):
    """Makes a tracker client from an installation's credentials and sync state."""

    # The export format (plugin.formats.registry) that builds the tracker's payload.
    format: str

    def __call__(self, credentials: Credentials, state: dict[str, Any], /) -> Tracker: ...


TRACKERS: dict[str, Factory] = {
    "host": HostTracker,
    "hevy": HevyTracker,
    "strava": strava.StravaFactory(),
    "wger": WgerTracker,
}


def names() -> list[str]:
    return sorted(TRACKERS)


def factory(key: str) -> Factory:
    """The factory for ``key``; InvalidInput naming ``tracker`` otherwise."""
    try:
        return TRACKERS[key]
    except KeyError:
        raise InvalidInput(
            f"unknown tracker {key!r}; trackers: {', '.join(names())}", field="tracker"
        ) from None


def build(key: str, credentials: Credentials, state: dict[str, Any]) -> Tracker:
    return factory(key)(credentials, state)


def format_for(key: str) -> formats.ExportFormat:
    """The format module that builds ``key``'s payload."""
    return formats.FORMATS[factory(key).format]

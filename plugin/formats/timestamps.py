"""ISO 8601 timestamps as trackers send them ('2021-09-14T12:00:00Z'), read strictly."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from plugin.errors import InvalidInput


def parse_aware(value: Any, field: str) -> datetime:
    """An ISO 8601 time with a UTC offset ('Z' included); InvalidInput naming ``field`` otherwise."""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be an ISO 8601 string", field=field)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{field} is not an ISO 8601 time: {value!r}", field=field) from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"{field} has no UTC offset: {value!r}", field=field)
    return parsed

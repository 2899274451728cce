"""Fields the schemas share: values computed from the dumped object, and UTC moments.

``fields.Method`` and ``fields.Function`` would compute too, but apispec cannot
tell their type; the Derived fields subclass the typed fields and only replace
where the value comes from.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from marshmallow import fields


class _Derived:
    def __init__(self, *args: Any, compute: Callable[[Any], Any], **kwargs: Any) -> None:
        self.compute = compute
        super().__init__(*args, dump_only=True, **kwargs)  # type: ignore[call-arg]

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        return self.compute(obj)


class DerivedInteger(_Derived, fields.Integer):
    """An integer computed from the object."""


class DerivedString(_Derived, fields.String):
    """A string computed from the object."""


class DerivedList(_Derived, fields.List):
    """A list computed from the object."""


class DerivedDate(_Derived, fields.Date):
    """A date computed from the object."""


class DerivedNested(_Derived, fields.Nested):
    """A nested object computed from the object."""


class DerivedDict(_Derived, fields.Dict):
    """A mapping computed from the object."""


class UtcDateTime(fields.AwareDateTime):
    """A moment as ISO 8601 with its offset; a naive value is UTC (SQLite keeps no offset)."""

    def _serialize(
        self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any
    ) -> str | float | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)

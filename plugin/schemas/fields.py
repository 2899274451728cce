"""Fields the schemas share: values computed from the dumped object, and UTC moments.

``fields.Method`` and ``fields.Function`` would compute too, but apispec cannot
tell their type; the Derived fields subclass the typed fields and only replace
where the value comes from. ``text_fault`` and ``unkeepable_text`` hold the rule for
text a database can keep.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from marshmallow import fields

from plugin.i18n import N_


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


# --- text a database can keep --------------------------------------------------------------
# JSON can carry a lone UTF-16 surrogate ("\ud800"), which is no Unicode scalar value: UTF-8 cannot
# encode it, so the database driver fails. PostgreSQL refuses NUL in text. Both are refused at the
# edge, naming the field (docs/hardening.md#text).
_UNKEEPABLE = re.compile("[\x00\ud800-\udfff]")
TEXT_RULE = N_("text must be Unicode scalar values without NUL (no lone surrogate, no \\u0000)")


def text_fault(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None when it can."""
    return TEXT_RULE if _UNKEEPABLE.search(value) else None


def unkeepable_text(value: Any, path: str = "") -> str | None:
    """The path ("exercises.1.exercise") of the first string, key included, no database can keep."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:  # iterative: depth is bounded elsewhere, but a walk must never recurse itself
        current, where = stack.pop()
        if isinstance(current, str):
            if _UNKEEPABLE.search(current):
                return where or "body"
        elif isinstance(current, dict):
            for key, item in current.items():
                key_text = str(key)
                if _UNKEEPABLE.search(key_text):
                    return where or "body"
                stack.append((item, f"{where}.{key_text}" if where else key_text))
        elif isinstance(current, list | tuple):
            stack.extend((item, f"{where}.{i}" if where else str(i)) for i, item in enumerate(current))
    return None


class StrictBoolean(fields.Boolean):
    """true or false, as JSON writes them; not "yes", "1" or 1 (the document says boolean)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value

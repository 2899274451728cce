"""What every schema shares: refusing unknown fields, and marshmallow's messages as field paths."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, pre_load

from plugin.errors import InvalidInput
from plugin.schemas.fields import TEXT_RULE, unkeepable_text


class StrictSchema(Schema):
    """A request body: a field this schema does not know is an error, not silently dropped.

    Text no database can keep is refused here too, for every body however it arrives (the
    web edge checks the same rule before any schema runs: plugin/web/guards.py).
    """

    class Meta:
        unknown = RAISE

    @pre_load(pass_collection=True)
    def _keepable_text(self, data: Any, **_: Any) -> Any:
        path = unkeepable_text(data)
        if path is not None:
            raise ValidationError({path: [TEXT_RULE]})
        return data


def field_paths(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into {'exercises.0.sets': ['…']}."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = "body" if key == "_schema" else str(key)
            path = f"{prefix}.{name}" if prefix and name != "body" else (prefix or name)
            for k, v in field_paths(value, path).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out[prefix or "body"] = list(messages)
    elif isinstance(messages, list):
        for i, value in enumerate(messages):
            out.update(field_paths(value, f"{prefix}.{i}" if prefix else str(i)))
    else:
        out[prefix or "body"] = [str(messages)]
    return out


def invalid_input(err: ValidationError, prefix: str = "") -> InvalidInput:
    """The first of a schema's errors as the domain error, its field path under ``prefix``."""
    path, reasons = next(iter(field_paths(err.messages).items()))
    if prefix:
        path = prefix if path == "body" else f"{prefix}.{path}"  # the whole of it: not an object
    return InvalidInput(reasons[0], field=path)

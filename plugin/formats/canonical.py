"""The canonical JSON of the model: what the API returns and `export/json` writes.

A dump of ``plugin.schemas.model.RoutineSchema``, the schema the OpenAPI document
describes, so the export and the API cannot drift apart. marshmallow is no web
framework: this module stays pure.
"""

from __future__ import annotations

import json
from typing import Any

from plugin.catalog.model import Routine
from plugin.schemas.model import RoutineSchema

MEDIA_TYPE = "application/json"
EXTENSION = "json"
ROUTINE_SCHEMA = RoutineSchema()  # built once: a schema instance is reusable and costly to make


def routine_dict(routine: Routine) -> dict[str, Any]:
    """The routine as JSON-ready data."""
    data: dict[str, Any] = ROUTINE_SCHEMA.dump(routine)
    return data


def dumps(data: Any) -> str:
    """JSON text the way every canonical file is written: indented, UTF-8 kept as is."""
    return json.dumps(data, indent=2, ensure_ascii=False)


def export(routine: Routine) -> bytes:
    """The routine as canonical JSON bytes, stable for golden files."""
    return (dumps(routine_dict(routine)) + "\n").encode("utf-8")

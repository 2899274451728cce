"""The reference exports: every built-in routine in every format, under exports/."""

from __future__ import annotations

from pathlib import Path

from plugin import catalog
from plugin.formats import registry


def reference_exports() -> dict[str, bytes]:
    """Relative path → bytes, for every built-in routine and every format."""
    out: dict[str, bytes] = {}
    for fmt in registry.names():
        module = registry.FORMATS[fmt]
        for routine in catalog.builtin_routines():
            out[f"{fmt}/{routine.id}.{module.EXTENSION}"] = module.export(routine)
    return out


def write_reference_exports(folder: Path) -> list[Path]:
    written = []
    for rel, body in reference_exports().items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        written.append(path)
    return written

"""Which export formats exist: name → module with export(routine) -> bytes.

Each module also names its MEDIA_TYPE and EXTENSION. Adding a format is one line here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from plugin.catalog.model import Routine
from plugin.formats import canonical, csv, fhir, fit, garmin, hevy, ical, wger


class ExportFormat(Protocol):
    """What a format module offers the export paths (a module satisfies it by its names)."""

    MEDIA_TYPE: str
    EXTENSION: str

    def export(self, routine: Routine) -> bytes: ...


FORMATS: dict[str, ExportFormat] = {
    "json": canonical,
    "fit": fit,
    "garmin": garmin,
    "ics": ical,
    "hevy": hevy,
    "csv": csv,
    "wger": wger,
    "fhir": fhir,  # FHIR R4 Bundle: PlanDefinition + ActivityDefinitions (docs/fhir.md)
}


class TimedExportFormat(ExportFormat, Protocol):
    """A format whose export places the routine at a time (naive: floating; aware: with its zone)."""

    def export(self, routine: Routine, start: datetime | None = None) -> bytes: ...


# The formats that take a start. The export API reads it from its query (``start``, local,
# and ``timezone``; plugin.services.exports.start_from_query); the others take no options.
TIMED: dict[str, TimedExportFormat] = {"ics": ical}


def names() -> list[str]:
    """The export format names, sorted."""
    return sorted(FORMATS)

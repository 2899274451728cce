"""Which export formats exist: name → module with export(routine) -> bytes.

Each module also names its MEDIA_TYPE and EXTENSION. Adding a format is one line here.
"""

from __future__ import annotations

from types import ModuleType

from plugin.formats import canonical, csv, fhir, fit, garmin, hevy, ical, wger

FORMATS: dict[str, ModuleType] = {
    "json": canonical,
    "fit": fit,
    "garmin": garmin,
    "ics": ical,
    "hevy": hevy,
    "csv": csv,
    "wger": wger,
    "fhir": fhir,  # FHIR R4 Bundle: PlanDefinition + ActivityDefinitions (docs/fhir.md)
}


def names() -> list[str]:
    return sorted(FORMATS)

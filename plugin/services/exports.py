"""Exports of a routine: one format on request, and the reference exports under exports/."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from plugin import catalog, clock, i18n
from plugin.catalog import limits
from plugin.catalog.localize import localize
from plugin.catalog.model import Routine
from plugin.errors import InvalidInput, NotFound
from plugin.formats import ical, registry
from plugin.i18n import N_
from plugin.services import routines


@dataclass(frozen=True)
class ExportFile:
    """A routine exported in one format, ready to be sent as a download."""

    body: bytes
    media_type: str
    filename: str


def export_routine(session: Session, routine_id: str, fmt: str, query: Mapping[str, str]) -> ExportFile:
    """Export one routine in format ``fmt``, in the language ``lang`` of ``query`` (default en).

    A timed format reads its start from ``query``; ``week`` gives the doses of that week of
    a plan (docs/catalog.md#progression), without it the routine's own doses. Raises
    NotFound naming ``format`` for an unknown format (or the routine's own NotFound),
    InvalidInput naming ``start``, ``timezone``, ``week`` or ``lang`` for a bad query. The
    file name is the same in every language.
    """
    module = registry.FORMATS.get(fmt)
    if module is None:
        raise NotFound(
            N_("no export format '{format}'; formats: {formats}"),
            field="format",
            values={"format": fmt, "formats": ", ".join(registry.names())},
        )
    lang = language_from_query(query)
    routine = routines.get_routine(session, routine_id)
    week = week_from_query(query)
    if week is not None:
        routine = routine.at_week(week)
    timed = registry.TIMED.get(fmt)
    start = start_from_query(query, clock.now()) if timed is not None else None
    body = export_in(fmt, routine, lang, start)
    return ExportFile(body, module.MEDIA_TYPE, download_name(routine.id, fmt))


def download_name(routine_id: str, fmt: str) -> str:
    """``<id>.<ext>`` when the format is its extension (json, ics, fit, csv), else ``<id>.<fmt>.<ext>``.

    Several formats are JSON files; each keeps its own name so that downloading the
    garmin, hevy and wger exports of one routine gives three files, not one overwritten.
    The name is the same in every language.
    """
    extension = registry.FORMATS[fmt].EXTENSION
    return f"{routine_id}.{extension}" if fmt == extension else f"{routine_id}.{fmt}.{extension}"


def language_from_query(query: Mapping[str, str]) -> i18n.Language:
    """The language ``lang`` names (en when absent); InvalidInput naming ``lang`` otherwise."""
    code = query.get("lang") or i18n.DEFAULT
    try:
        return i18n.language(code)
    except InvalidInput as err:
        raise InvalidInput(err.template, field="lang", values=err.values) from None


def export_in(fmt: str, routine: Routine, lang: i18n.Language, start: datetime | None = None) -> bytes:
    """``routine`` exported in format ``fmt`` with every text in ``lang`` (a start for a timed format)."""
    with i18n.using(lang):
        localized = localize(routine, lang)
        timed = registry.TIMED.get(fmt)
        if timed is not None and start is not None:
            return timed.export(localized, start=start)
        return registry.FORMATS[fmt].export(localized)


def week_from_query(query: Mapping[str, str]) -> int | None:
    """``week`` from a query (limits.WEEKS), or None when absent; InvalidInput naming ``week``."""
    raw = query.get("week")
    if raw is None:
        return None
    low, high = limits.WEEKS
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidInput(
            N_("week is a whole number from {low} to {high}"), field="week", values={"low": low, "high": high}
        )
    return int(raw)


def start_from_query(query: Mapping[str, str], now_utc: datetime) -> datetime:
    """Read ``start`` (local ``YYYY-MM-DDTHH:MM``) and ``timezone`` from a query; default tomorrow 07:00.

    Without ``timezone`` the start is a floating local time. Raises InvalidInput
    naming ``start`` or ``timezone``.
    """
    tzid = query.get("timezone")
    if tzid is not None:
        ical.check_timezone(tzid)
    zone = ZoneInfo(tzid) if tzid else None
    raw = query.get("start")
    if raw is None:
        today = now_utc.astimezone(zone).date() if zone else now_utc.date()
        local = datetime.combine(today + timedelta(days=1), time(7, 0))
    else:
        try:
            local = datetime.fromisoformat(raw)
        except ValueError:
            raise InvalidInput(
                N_("start must be a local date-time like 2026-11-23T07:00"), field="start"
            ) from None
        if local.tzinfo is not None:
            raise InvalidInput(N_("start is local time; give the zone in timezone"), field="start")
    return local.replace(second=0, microsecond=0, tzinfo=zone)


def reference_exports() -> dict[str, bytes]:
    """Relative path → bytes, for every built-in routine and every format."""
    out: dict[str, bytes] = {}
    for fmt in registry.names():
        module = registry.FORMATS[fmt]
        for routine in catalog.builtin_routines():
            out[f"{fmt}/{routine.id}.{module.EXTENSION}"] = module.export(routine)
    return out


def write_reference_exports(folder: Path) -> list[Path]:
    """Write the reference exports under ``folder``; return the files written."""
    written = []
    for rel, body in reference_exports().items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        written.append(path)
    return written

"""Independent readers of .ics bytes for the tests: icalendar + recurring-ical-events,
vobject (its own VTIMEZONE handling and dateutil rrulesets) and Mozilla's ical.js
(Thunderbird's parser, via Node). Each returns the same shape so the tests can
compare them with the plan: Occurrence(uid, summary, description, local, utc).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import recurring_ical_events
import vobject

JS_DIR = Path(__file__).parent / "js"


@dataclass(frozen=True)
class Occurrence:
    uid: str
    summary: str
    description: str
    local: datetime  # naive wall-clock time in the event's zone
    utc: datetime
    duration_s: int


def with_icalendar(body: bytes, first: date, last: date) -> list[Occurrence]:
    """Expand with recurring-ical-events over icalendar's parse (zones by TZID name)."""
    cal = icalendar.Calendar.from_ical(body)
    found = []
    for event in recurring_ical_events.of(cal).between(first, last + timedelta(days=1)):
        start = event["DTSTART"].dt
        end = event["DTEND"].dt if "DTEND" in event else start + event["DURATION"].dt
        found.append(
            Occurrence(
                str(event["UID"]),
                str(event["SUMMARY"]),
                str(event.get("DESCRIPTION", "")),
                start.replace(tzinfo=None),
                start.astimezone(UTC),
                int((end - start).total_seconds()),
            )
        )
    return sorted(found, key=_order)


def with_vobject(body: bytes, first: date, last: date) -> list[Occurrence]:
    """Expand with vobject: zones from the file's own VTIMEZONE, recurrences by dateutil rrulesets."""
    cal = vobject.readOne(body.decode("utf-8"))
    events = list(cal.vevent_list)
    overrides = {
        (ev.uid.value, ev.recurrence_id.value.astimezone(UTC)): ev
        for ev in events
        if hasattr(ev, "recurrence_id")
    }
    low = datetime.combine(first, datetime.min.time(), tzinfo=UTC) - timedelta(days=1)
    high = datetime.combine(last, datetime.max.time(), tzinfo=UTC) + timedelta(days=1)
    found = []
    for ev in events:
        if hasattr(ev, "recurrence_id"):
            continue
        zone = ev.dtstart.value.tzinfo
        starts = (
            ev.getrruleset(addRDate=True).between(low, high, inc=True)
            if hasattr(ev, "rrule")
            else [ev.dtstart.value]
        )
        for start in starts:
            source = overrides.get((ev.uid.value, start.astimezone(UTC)), ev)
            if source is not ev:
                start = source.dtstart.value  # an override may move its occurrence (RFC 5545 §3.8.4.4)
            local = start.astimezone(zone)
            if not first <= local.date() <= last:
                continue
            found.append(
                Occurrence(
                    ev.uid.value,
                    source.summary.value,
                    source.description.value if hasattr(source, "description") else "",
                    local.replace(tzinfo=None),
                    start.astimezone(UTC),
                    int(source.duration.value.total_seconds()),
                )
            )
    return sorted(found, key=_order)


def node_available() -> bool:
    return shutil.which("node") is not None and (JS_DIR / "node_modules" / "ical.js").is_dir()


def with_icaljs(body: bytes, first: date, last: date) -> list[Occurrence]:
    """Expand with Mozilla's ical.js (zones from the file's VTIMEZONE), run by Node."""
    low = datetime.combine(first, datetime.min.time(), tzinfo=UTC) - timedelta(days=1)
    high = datetime.combine(last, datetime.max.time(), tzinfo=UTC) + timedelta(days=1)
    done = subprocess.run(
        ["node", str(JS_DIR / "expand.mjs"), low.isoformat(), high.isoformat()],
        input=body,
        capture_output=True,
        check=True,
        timeout=60,
    )
    found = []
    for item in json.loads(done.stdout):
        local = datetime.fromisoformat(item["local"])
        if not first <= local.date() <= last:
            continue
        found.append(
            Occurrence(
                item["uid"],
                item["summary"],
                item["description"] or "",
                local,
                datetime.fromisoformat(item["utc"].replace("Z", "+00:00")),
                int(item["duration_s"]),
            )
        )
    return sorted(found, key=_order)


def _order(o: Occurrence) -> tuple:
    return (o.utc, o.uid)


def read_dose_line(line: str) -> dict[str, int | bool | None]:
    """Read sets, reps, seconds of work, per side and rest back out of a written dose line."""
    line = line.strip()
    sets = re.match(r"(\d+) sets × ", line)
    rest_of = line[sets.end() :] if sets else line
    reps = re.match(r"(\d+) (?:× |reps)", rest_of)
    work = None
    if m := re.search(r"hold (\d+) s", rest_of):
        work = int(m[1])
    elif m := re.search(r"(\d+) s push", rest_of):
        work = int(m[1])
    elif m := re.match(r"(?:(\d+) min)? ?(?:(\d+) s)? continuous", rest_of):
        work = int(m[1] or 0) * 60 + int(m[2] or 0)
    rest = re.search(r"rest (\d+) s", rest_of)
    return {
        "sets": int(sets[1]) if sets else 1,
        "reps": int(reps[1]) if reps else 1,
        "work_s": work,
        "per_side": "each leg" in rest_of.split(", "),
        "rest_s": int(rest[1]) if rest else 0,
    }

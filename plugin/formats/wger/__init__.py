"""wger: a routine as the requests wger's REST API needs, and wger's sessions back as ours.

Pure: no HTTP here. The tracker (``plugin.trackers.wger``) sends the requests in
order, resolving the placeholders (ids of objects made by earlier requests,
wger's own exercise ids, repetition units looked up by name). One module per job:

* ``api``: what the two API generations allow (field sizes, value ranges, unit names);
* ``build``: the POSTs that build a routine (2.1 workout, 2.3+ routine);
* ``fitting``: text fitted into wger's field limits, overflow into wider fields;
* ``placeholders``: the requests' placeholders and how they are resolved;
* ``matching``: which of wger's exercises stands for one of ours;
* ``sessions``: wger's workout sessions and logs read back as CompletedSessions.

This package itself is the ``wger`` export format: the 2.1 requests as JSON.

Once or twice a day. wger keeps one workout session per user and day (2.1; per
routine and day from 2.3), so every bout of a day is logged in that one session
(the day description and the workout description say so); ``sessions`` reads it
back as one completed session per bout (docs/wger.md#sessions-back).
"""

from __future__ import annotations

import json

from plugin.catalog.model import Routine
from plugin.formats.wger.build import check, workout_requests
from plugin.formats.wger.placeholders import requests_json

__all__ = ["EXTENSION", "MEDIA_TYPE", "check", "export"]

MEDIA_TYPE = "application/json"
EXTENSION = "json"


def export(routine: Routine) -> bytes:
    """The wger 2.1 requests as JSON, placeholders as ``$ref``, ``$exercise``, ``$repetition_unit``."""
    doc = {"api": "wger 2.1", "requests": requests_json(workout_requests(routine))}
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

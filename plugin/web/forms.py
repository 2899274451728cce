"""The subscribe form: browser form fields in, the plan fields POST /calendars takes out.

A form sends strings (times typed as "07:30, 18:00", checkboxes repeated); this
module turns them into the JSON shape of the API, and turns the API's field paths
("times.1", "routines") back into the form field to show a message beside.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from plugin.i18n import _, current
from plugin.schemas import plans
from plugin.schemas.base import field_paths
from plugin.schemas.plans import PlanSchema

# The plan's fields but its start (a subscription made here starts today); rules and messages: plans.
FIELDS = tuple(name for name in plans.FIELDS if name != "start")
DEFAULT_TIMEZONE = "UTC"  # until the page's script picks the browser's
REMINDER_CHOICES = (0, 5, 10, 15, 30, 60, 120)
_SEPARATORS = re.compile(r"[\s,;]+")


@dataclass
class SubscribeForm:
    """What the person typed, kept to fill the form again, and the messages per field."""

    routines: list[str] = field(default_factory=list)
    days: list[str] = field(default_factory=list)
    times: str = ""
    timezone: str = DEFAULT_TIMEZONE
    reminders: list[str] = field(default_factory=lambda: [str(m) for m in plans.DEFAULTS["reminders"]])
    name: str = plans.DEFAULTS["name"]
    language: str = "en"
    errors: dict[str, list[str]] = field(default_factory=dict)
    from_browser: bool = True  # no answer yet: let the page preselect the browser's timezone

    @classmethod
    def from_request(cls, form: MultiDict) -> SubscribeForm:
        return cls(
            routines=form.getlist("routines"),
            days=form.getlist("days"),
            times=form.get("times", "").strip(),
            timezone=form.get("timezone", "").strip(),
            reminders=form.getlist("reminders"),
            name=form.get("name", "").strip(),
            language=form.get("language", "").strip() or current().code,
            from_browser=False,
        )

    def add_error(self, path: str, message: str) -> None:
        """File a message under the form field a field path like 'times.1' belongs to."""
        name = path.split(".", 1)[0]
        self.errors.setdefault(name if name in FIELDS else "form", []).append(message)

    def plan_fields(self) -> dict[str, Any]:
        """The body POST /calendars would get; a reminder that is no number is reported here."""
        reminders: list[Any] = []
        for value in self.reminders:
            try:
                reminders.append(int(value))
            except ValueError:
                self.add_error("reminders", _("{value!r} is not a number of minutes.").format(value=value))
        return {
            "routines": self.routines,
            "days": self.days,
            "times": [t for t in _SEPARATORS.split(self.times) if t],
            "timezone": self.timezone,
            "reminders": reminders,
            "name": self.name or plans.DEFAULTS["name"],
            "language": self.language,
        }

    def checked_plan(self) -> dict[str, Any] | None:
        """The plan, checked by the plan rules (as POST /calendars); None with the messages filed here."""
        fields = self.plan_fields()
        try:
            body = PlanSchema().load(fields)
        except ValidationError as err:
            self.add_schema_errors(field_paths(err.messages), fields)
            return None
        return None if self.errors else body

    def add_schema_errors(self, messages: Mapping[str, list[str]], sent: Mapping[str, Any]) -> None:
        """File the plan rules' messages ({'times.1': [...]}), naming the value a message is about."""
        for path, reasons in messages.items():
            head, _dot, index = path.partition(".")
            value = _item(sent.get(head), index)
            for reason in reasons:
                reason = plans.in_language(reason)
                self.add_error(path, f"'{value}': {reason}" if value is not None else reason)


def _item(values: Any, index: str) -> Any:
    if index.isdigit() and isinstance(values, list) and int(index) < len(values):
        return values[int(index)]
    return None


@dataclass
class DoneForm:
    """The "Mark as done" form: the occurrence picked, the pain score and notes as typed."""

    occurrence: str = ""
    pain: str = ""
    notes: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_request(cls, form: MultiDict) -> DoneForm:
        return cls(
            occurrence=form.get("occurrence", "").strip(),
            pain=form.get("pain", "").strip(),
            notes=form.get("notes", ""),
        )

    def add_error(self, name: str | None, message: str) -> None:
        """File a message under ``name`` when it is a field of this form, else under the form."""
        key = name if name in ("occurrence", "pain", "notes") else "form"
        self.errors.setdefault(key, []).append(message)

"""marshmallow's and webargs' own English messages, marked so the catalogs carry them.

A problem's per-field reasons include these as the libraries write them; the web edge
(``plugin.web.problems``) finds the template a reason was filled from and writes it
again in the request's language (docs/i18n.md#errors). Placeholders are named as the
libraries name them, so a filled message reads back to its values.
"""

from __future__ import annotations

import re
from functools import cache

from plugin.i18n import N_

LIBRARY_MESSAGES: tuple[str, ...] = (
    N_("Missing data for required field."),
    N_("Unknown field."),
    N_("Field may not be null."),
    N_("Invalid input type."),
    N_("Invalid type."),
    N_("Invalid value."),
    N_("Invalid JSON body."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Number too large."),
    N_("Not a valid boolean."),
    N_("Not a valid list."),
    N_("Not a valid tuple."),
    N_("Not a valid mapping type."),
    N_("Not a valid date."),
    N_("Not a valid datetime."),
    N_("Not a valid aware datetime."),
    N_("Not a valid naive datetime."),
    N_("Not a valid time."),
    N_("Not a valid UUID."),
    N_("Not a valid URL."),
    N_("Not a valid email address."),
    N_("Not a valid utf-8 string."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("String does not match expected pattern."),
    N_("Length must be between {min} and {max}."),
    N_("Length must be {equal}."),
    N_("Shorter than minimum length {min}."),
    N_("Longer than maximum length {max}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("Must be greater than {min} and less than {max}."),
    N_("Must be greater than or equal to {min}."),
    N_("Must be greater than {min}."),
    N_("Must be less than or equal to {max}."),
    N_("Must be less than {max}."),
    N_("Must be one of: {choices}."),
    N_("Must be equal to {other}."),
)


@cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    # Even parts are the template's words, odd parts its placeholders' names.
    return re.compile(
        "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
        + r"\Z",
        re.DOTALL,
    )


def template_of(
    message: str, templates: tuple[str, ...] = LIBRARY_MESSAGES
) -> tuple[str, dict[str, str]] | None:
    """The template ``message`` was filled from, and its values; None when it is none of them."""
    for template in templates:
        found = _pattern(template).match(message)
        if found:
            return template, found.groupdict()
    return None

"""Domain errors: one small tree, with no HTTP in it.

The web edge (``plugin.web.problems``) maps each kind to a status code and a
problem+json body; the CLI maps them to one line and an exit code.
"""

from __future__ import annotations

from collections.abc import Mapping


class Message(str):
    """An English text that remembers the template and values it was filled from.

    It passes through marshmallow and re-raised errors as the plain text it is, and
    the web edge writes it again in the request's language (docs/i18n.md#errors).
    """

    template: str
    values: dict[str, object]

    def __new__(cls, template: str, values: Mapping[str, object] | None = None) -> Message:
        filled = dict(values or {})
        text = super().__new__(cls, template.format(**filled) if filled else template)
        text.template, text.values = str(template), filled
        return text


class StretchsyncError(Exception):
    """Base of every domain error; ``field`` names the input at fault, if any.

    ``message`` is a template (marked with ``N_``) with named placeholders when
    ``values`` are given; ``self.message`` is then the English text, a ``Message``.
    """

    def __init__(
        self, message: str, *, field: str | None = None, values: Mapping[str, object] | None = None
    ) -> None:
        text = message if isinstance(message, Message) and not values else Message(message, values)
        super().__init__(text)
        self.message: str = text
        self.template = text.template
        self.values = text.values
        self.field = field


class NotFound(StretchsyncError, LookupError):
    """Nothing by that name, or nothing this caller may see."""


class Gone(StretchsyncError):
    """It existed and was revoked or erased on purpose."""


class InvalidInput(StretchsyncError, ValueError):
    """Well-formed input that breaks a rule of the domain."""


class InvalidDose(InvalidInput):
    pass


class InvalidRoutine(InvalidInput):
    pass


class Malformed(StretchsyncError, ValueError):
    """Input that cannot even be read (a header of the wrong shape)."""


class Unauthenticated(StretchsyncError):
    """The caller is not who it claims to be (unsigned, wrongly signed, stale)."""


class Forbidden(StretchsyncError):
    """The caller is known but may not do this."""


class Unavailable(StretchsyncError):
    """The service cannot do this now (missing configuration, a resource that is down)."""


class RemoteFailed(StretchsyncError):
    """A service we called (a tracker, a calendar server) failed or refused.

    ``plugin.trackers.base.TrackerError`` is the kind the tracker clients raise; it
    carries the remote status and whether waiting helps.
    """


class Internal(StretchsyncError):
    """Our own state is broken (a stored secret no key can read)."""

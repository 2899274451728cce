"""Domain errors: one small tree; the web edge turns them into problem+json."""

from __future__ import annotations


class StretchsyncError(Exception):
    """Base of every domain error; ``field`` names the input at fault, if any."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(StretchsyncError, LookupError):
    status = 404


class Gone(StretchsyncError):
    status = 410


class InvalidInput(StretchsyncError, ValueError):
    status = 422


class InvalidDose(InvalidInput):
    pass


class InvalidRoutine(InvalidInput):
    pass

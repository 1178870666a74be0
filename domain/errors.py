"""The domain's own errors; the API maps each to one HTTP status in one place."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a user's input can cause."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """An unknown story, fact or actor (HTTP 404)."""


class Conflict(DomainError):
    """The same id with other content (HTTP 409)."""

    def __init__(
        self, message: str, *, field: str | None = None, differing: list[str] | None = None
    ) -> None:
        super().__init__(message, field=field)
        self.differing = differing or []


class RuleBroken(DomainError):
    """Valid input that breaks a rule of the story (HTTP 422)."""

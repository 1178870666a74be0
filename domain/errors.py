"""The domain's own kinds of error; the edge (``api/errors.py``) maps each to a status."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a user's input can cause."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """An unknown story, fact, actor or meeting."""


class Conflict(DomainError):
    """The same id with other content, or a fact whose status forbids the change."""

    def __init__(
        self, message: str, *, field: str | None = None, differing: list[str] | None = None
    ) -> None:
        super().__init__(message, field=field)
        self.differing = differing or []


class RuleBroken(DomainError):
    """Valid input that breaks a rule of the story."""

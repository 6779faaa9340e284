"""The one domain exception: services raise it with a stable `code`; the API renders it as 422."""

from __future__ import annotations


class DomainError(Exception):
    """A broken business rule. `field` names the input it is about, or None for the whole request."""

    def __init__(self, message: str, *, code: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field

    def as_errors(self) -> dict:
        return {self.field or "base": [self.message]}


class FieldErrors(Exception):
    """Several field validation errors found together by a service: {"field": ["message", ...]}."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(str(errors))
        self.errors = errors

"""Typed domain errors raised by services; the API and views turn them into answers."""


class DomainError(Exception):
    """A request that cannot be carried out; `message` is shown to the user."""

    code = "invalid"
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status_code = 409


class StaleVersion(DomainError):
    """The row changed since the client read it (optimistic concurrency)."""

    code = "stale_version"
    status_code = 412


class NotFound(DomainError):
    code = "not_found"
    status_code = 404


class PermissionDenied(DomainError):
    code = "permission_denied"
    status_code = 403

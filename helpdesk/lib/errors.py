"""Typed domain errors raised by services; the API and views turn them into answers."""

from typing import Any


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


class IdempotencyKeyReused(DomainError):
    """The Idempotency-Key (or escalation event id) was already used for a
    different request: 422 `idempotency_key_reused` on every surface."""

    code = "idempotency_key_reused"
    status_code = 422

    def __init__(
        self,
        message: str = (
            "This Idempotency-Key was already used for a different request; "
            "use a new key for a new request."
        ),
    ):
        super().__init__(message)


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Nested error detail (DRF's, or a serializer's `errors`) as
    {"field.sub": [messages]}: one flat shape for every error body."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for sub, messages in flatten_errors(value, name).items():
                out.setdefault(sub, []).extend(messages)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                name = f"{prefix}.{index}" if prefix else str(index)
                for sub, messages in flatten_errors(value, name).items():
                    out.setdefault(sub, []).extend(messages)
            else:
                out.setdefault(prefix or "non_field_errors", []).append(str(value))
    else:
        out.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return out

"""Typed domain errors raised by services, and the one JSON error body every JSON
surface answers with (the API, webhooks, the reports' JSON):

    {"code": "invalid", "message": "Check the fields marked in `errors`.",
     "errors": {"priority": ["Priority must be a whole number from 1 to 5."]}}

`code` is machine-readable, `message` is for people, `errors` maps field names to
messages (empty when the error is not about fields).
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import JsonResponse

FIELDS_MESSAGE = "Check the fields marked in `errors`."


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


class PermissionDenied(DomainError, DjangoPermissionDenied):
    """The caller's role may not do this: the one class the code raises for it. It
    is Django's PermissionDenied too, so every surface answers 403: the API through
    helpdesk.lib.api.api_exception_handler, pages and the admin through Django."""

    code = "permission_denied"
    status_code = 403

    def __init__(
        self,
        message: str = "You do not have permission to do this.",
        *,
        field: str | None = None,
    ):
        super().__init__(message, field=field)


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


# --- the JSON error body ---


def error_body(code: str, message: str, errors: dict | None = None) -> dict:
    return {"code": code, "message": message, "errors": errors or {}}


def invalid_body(errors: dict[str, list[str]]) -> dict:
    """A 400's body for field errors; without a field, the message is their own."""
    message = (
        " ".join(errors["non_field_errors"])
        if list(errors) == ["non_field_errors"]
        else FIELDS_MESSAGE
    )
    return error_body("invalid", message, errors)


def validation_errors(exc: ValidationError) -> dict[str, list[str]]:
    """A Django ValidationError's messages by field ("non_field_errors" for none)."""
    if hasattr(exc, "error_dict"):
        return {field: list(messages) for field, messages in exc.message_dict.items()}
    return {"non_field_errors": list(exc.messages)}


def domain_error_body(exc: DomainError) -> dict:
    return error_body(
        exc.code, exc.message, {exc.field: [exc.message]} if exc.field else {}
    )


def json_error(
    code: str, message: str, errors: dict | None = None, *, status: int
) -> JsonResponse:
    """The error body as a response, for JSON views outside DRF (webhooks, reports)."""
    return JsonResponse(error_body(code, message, errors), status=status)

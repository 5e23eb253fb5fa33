"""The API's error answers: every error in the one JSON body of helpdesk.lib.errors
({"code", "message", "errors"}). `api_exception_handler` is DRF's EXCEPTION_HANDLER.
"""

from csp.constants import UNSAFE_INLINE
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, InterfaceError, OperationalError, transaction
from django.http import Http404
from rest_framework import exceptions, pagination, parsers, renderers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from helpdesk.lib.errors import (
    DomainError,
    domain_error_body,
    error_body,
    flatten_errors,
    invalid_body,
    validation_errors,
)
from helpdesk.lib.parsing import MAX_JSON_DEPTH, loads_json


class PreconditionRequired(exceptions.APIException):
    """428: the request must say which version it edits (If-Match)."""

    status_code = 428
    default_code = "precondition_required"
    default_detail = "Send an If-Match header with the ETag of the version you edit."


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DomainError, Django ValidationError and every DRF error as one JSON shape."""
    if isinstance(exc, DomainError):
        return Response(domain_error_body(exc), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        return Response(
            invalid_body(validation_errors(exc)), status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, OperationalError | InterfaceError):
        # The database went away mid-request (restart, failover, killed backend):
        # the transaction was rolled back by the server, and the next request gets a
        # fresh connection (CONN_HEALTH_CHECKS), so the caller may simply retry.
        response = Response(
            error_body(
                "database_unavailable",
                "The database connection was lost; try again. A retry with the same "
                "Idempotency-Key never creates twice.",
            ),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
        response["Retry-After"] = "1"
        return response
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = invalid_body(flatten_errors(exc.detail))
        return response
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        detail = exc.detail
        message = (
            str(detail)
            if not isinstance(detail, dict | list)
            else str(exc.default_detail)
        )
        response.data = error_body(str(code), message)
    return response


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's HTML pages of the API. Its templates carry a <style> element (Pygments)
    and style attributes, so these pages alone allow inline styles under the
    Content-Security-Policy; scripts stay 'self' as everywhere."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        html = super().render(data, accepted_media_type, renderer_context)
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_update = {"style-src": [UNSAFE_INLINE]}
        return html


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with bounded nesting: a body nested deeper than
    MAX_JSON_DEPTH is a 400 in the error shape, not a RecursionError."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return loads_json(stream.read() if stream is not None else b"")
        except ValueError as exc:
            raise exceptions.ParseError(
                f"The body is not JSON nested at most {MAX_JSON_DEPTH} deep: {exc}"
            ) from exc


class _BoundedForm:
    """A form body over Django's limits (DATA_UPLOAD_MAX_NUMBER_FIELDS, ..._FILES,
    ..._MEMORY_SIZE) is a 400 in the error shape; Django's own answer to these
    SuspiciousOperations is an HTML page."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except (SuspiciousOperation, RequestDataTooBig) as exc:
            raise exceptions.ParseError(f"The form is over a limit: {exc}") from exc


class FormParser(_BoundedForm, parsers.FormParser):
    pass


class MultiPartParser(_BoundedForm, parsers.MultiPartParser):
    pass


class CursorPagination(pagination.CursorPagination):
    """DRF's cursor pages, where a tampered cursor (a position that is not a
    value of the ordering's column, or out of its range) is a 400 naming `cursor`
    rather than a failed query. `?count=true` adds `count`, the exact number of
    rows over all pages (one COUNT query; cursor pages have no total otherwise)."""

    count: int | None = None

    def paginate_queryset(self, queryset, request, view=None):
        self.count = queryset.count() if _wants_count(request) else None
        try:
            with transaction.atomic():  # a refused query leaves nothing broken
                return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, OverflowError, DataError) as exc:
            raise exceptions.ValidationError({"cursor": ["Invalid cursor."]}) from exc
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"cursor": ["Invalid cursor."]}) from exc

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        if self.count is not None:
            response.data = {"count": self.count, **response.data}
        return response

    def get_paginated_response_schema(self, schema):
        paged = super().get_paginated_response_schema(schema)
        paged["properties"] = {
            "count": {
                "type": "integer",
                "description": "With ?count=true: every matching row, all pages.",
            },
            **paged["properties"],
        }
        return paged

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": "count",
                "required": False,
                "in": "query",
                "description": "true: add `count`, the exact total of all pages.",
                "schema": {"type": "boolean"},
            },
        ]


def _wants_count(request) -> bool:
    value = request.query_params.get("count", "false")
    if value not in ("true", "false"):
        raise exceptions.ValidationError({"count": ["Must be true or false."]})
    return value == "true"

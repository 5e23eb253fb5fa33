"""What the ticket API's views share beyond helpdesk.api (the workspace in the path,
the role an action needs, the error answers): the request headers the schema names
and cursor pages.

Every URL names its workspace (`/api/v1/workspaces/{slug}/...`); a workspace the
caller does not belong to answers 404 like one that does not exist. Reads go through
selectors, writes through services, roles through helpdesk.permissions.can(); errors
are one JSON shape (helpdesk.lib.api.api_exception_handler).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from helpdesk.lib.api import CursorPagination

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='The ETag of the version being edited ("3"), or * for any '
    "version; a stale one answers 412.",
)
# PATCH refuses to edit blind: without the header it answers 428.
IF_MATCH_REQUIRED = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description='The ETag of the version being edited ("3"), or * for any '
    "version; a stale one answers 412, none 428.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Repeating a request with the same key returns the first answer.",
)


class CreatedCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("created_at", "id")

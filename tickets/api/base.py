"""What every API view shares: the workspace in the path and the role an action
needs, the error responses in the schema, the request headers, cursor pages.

Every URL names its workspace (`/api/v1/workspaces/{slug}/...`); a workspace the
caller does not belong to answers 404 like one that does not exist. Reads go through
selectors, writes through services, roles through helpdesk.permissions.can(); errors
are one JSON shape (helpdesk.lib.api.api_exception_handler).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import permissions
from rest_framework.pagination import CursorPagination

from helpdesk.lib.errors import PermissionDenied
from helpdesk.models import Membership
from helpdesk.permissions import can
from helpdesk.tenancy import membership_for_slug
from tickets.api import serializers as s

# --- errors in the schema ---


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    text = {
        400: "Bad input; `errors` names the fields.",
        401: "Not authenticated.",
        403: "Your role may not do this.",
        404: "No such workspace or object (or not yours).",
        409: "Not allowed from the ticket's current status.",
        412: "If-Match names an old version; reload and retry.",
        422: "Idempotency-Key reused with a different request.",
        428: "If-Match header missing.",
    }
    return {
        code: OpenApiResponse(s.ErrorSerializer, description=text[code])
        for code in (401, 404, *codes)
    }


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag of the version being edited.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Repeating a request with the same key returns the first answer.",
)


# --- workspace and roles ---


class WorkspaceRole(permissions.BasePermission):
    """The caller is a member of the URL's workspace and their role allows the view's
    action (`view.permission_for(action)`, a key of helpdesk.permissions)."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        membership = membership_for_slug(request.user, view.kwargs["workspace_slug"])
        request.membership = membership
        view.membership = membership
        needed = view.permission_for(getattr(view, "action", None))
        if needed and not can(membership, needed):
            raise PermissionDenied(
                f"A {membership.get_role_display().lower()} may not do this."
            )
        return True


class WorkspaceViewMixin:
    """A view under /workspaces/{slug}/ with a role needed per action."""

    permission_classes = [WorkspaceRole]
    membership: Membership
    # action name -> permission key; DEFAULT_PERMISSION for the rest.
    action_permissions: dict[str, str] = {}
    default_permission = "ticket.view"

    def permission_for(self, action_name: str | None) -> str:
        return self.action_permissions.get(action_name or "", self.default_permission)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["membership"] = getattr(self, "membership", None)
        return context

    @property
    def is_schema(self) -> bool:
        return getattr(self, "swagger_fake_view", False)


class CreatedCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("created_at", "id")

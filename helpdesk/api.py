"""What every view under /api/v1/workspaces/{slug}/ shares, whichever app it
belongs to: the workspace and role check (a workspace you are not a member of is
404, a role that may not act is 403) and the error answers in the schema."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers

from helpdesk.lib.errors import PermissionDenied
from helpdesk.models import Membership
from helpdesk.permissions import can, refusal
from helpdesk.tenancy import membership_for_slug


class ErrorSerializer(serializers.Serializer):
    """Every error answer: a code, a message and field errors."""

    code = serializers.CharField()
    message = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField())
    )


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
        code: OpenApiResponse(ErrorSerializer, description=text[code])
        for code in (401, 404, *codes)
    }


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
            raise PermissionDenied(refusal(membership))
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

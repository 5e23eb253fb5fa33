"""The one scoping helper: every selector narrows its rows to a workspace here."""

from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from helpdesk.models import Membership, Workspace

M = TypeVar("M", bound=Model)


def scoped(queryset: QuerySet[M], workspace: Workspace) -> QuerySet[M]:
    """Rows of `queryset` that belong to `workspace` (every tenant model has the FK)."""
    return queryset.filter(workspace=workspace)


def membership_for(user, workspace: Workspace) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Membership.objects.filter(user=user, workspace=workspace)
        .select_related("workspace", "user")
        .first()
    )


def membership_for_slug(user, slug: str) -> Membership:
    """The user's membership in the workspace named by `slug`, or 404.

    A workspace the user does not belong to answers exactly like one that does not
    exist, so slugs of other tenants cannot be probed.
    """
    membership = (
        Membership.objects.filter(user=user, workspace__slug=slug)
        .select_related("workspace", "user")
        .first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    if membership is None:
        raise Http404("No such workspace.")
    return membership


def workspaces_for(user) -> QuerySet[Workspace]:
    return Workspace.objects.filter(memberships__user=user).order_by("name")

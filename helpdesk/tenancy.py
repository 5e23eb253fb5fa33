"""The one scoping helper: every selector narrows its rows to a workspace here."""

from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from helpdesk.lib.parsing import as_id
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


def member_get(
    workspace: Workspace | int,
    *,
    user=None,
    user_id: int | str | None = None,
    email: str | None = None,
):
    """The member of `workspace` (or its id) found by user, user id or e-mail (any
    case): their user, or None when nobody matches or the id is not a number. The one
    member lookup: every "is this person in the workspace?" check comes here."""
    rows = Membership.objects.filter(workspace=workspace)
    if user is not None:
        rows = rows.filter(user=user)
    elif user_id is not None and as_id(user_id) is not None:
        rows = rows.filter(user_id=as_id(user_id))
    elif email:
        rows = rows.filter(user__email__iexact=email)
    else:
        return None
    row = rows.select_related("user").first()
    return row.user if row else None


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

"""Saved views: named sets of list filters, personal or shared with the workspace.

The acting member (`actor`, a Membership) scopes every view to their workspace; a
personal view is changed only by its owner, a shared one also by a manager or admin
("views.share"), and only they may share. The filters are checked as the ticket list
reads them (TicketFilterSet), so a view never stores another workspace's team, label
or member id, nor a filter the list does not know.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from helpdesk.lib.errors import NotFound, PermissionDenied
from helpdesk.models import Membership
from helpdesk.permissions import can
from tickets.filters import TicketFilterSet
from tickets.models import SavedView, Ticket

EDITABLE = frozenset({"name", "filters", "is_shared", "is_pinned", "position"})


def saved_view_filter_names() -> list[str]:
    """The parameter names TicketFilterSet reads (range filters use _after/_before)."""
    names = []
    for name, f in TicketFilterSet.base_filters.items():
        if f.__class__.__name__.endswith("RangeFilter"):
            names += [f"{name}_after", f"{name}_before"]
        else:
            names.append(name)
    return names


def _check_filters(actor: Membership, filters: dict[str, Any]) -> None:
    """ValidationError naming each filter the ticket list would refuse."""
    if not isinstance(filters, dict):
        raise ValidationError({"filters": ["Give the filters as an object."]})
    plain = (str, int)
    shapeless = [
        name
        for name, value in filters.items()
        if not (
            isinstance(value, plain)
            or (isinstance(value, list) and all(isinstance(v, plain) for v in value))
        )
    ]
    if shapeless:  # what a query string can carry: text, or a list of texts
        raise ValidationError(
            {f"filters.{name}": ["Give text or a list of texts."] for name in shapeless}
        )
    filterset = TicketFilterSet(
        filters, queryset=Ticket.objects.none(), membership=actor
    )
    if not filterset.is_valid():
        raise ValidationError(
            {
                f"filters.{name}": [str(m) for m in messages]
                for name, messages in filterset.errors.items()
            }
        )
    unknown = set(filters) - set(saved_view_filter_names())
    if unknown:
        raise ValidationError(
            {"filters": [f"Unknown filters: {', '.join(sorted(unknown))}."]}
        )


def saved_view_may_change(view: SavedView, actor: Membership) -> bool:
    """Its owner may change a view; a manager or admin may change a shared one."""
    return view.workspace_id == actor.workspace_id and (
        view.owner_id == actor.user_id or (view.is_shared and can(actor, "views.share"))
    )


def _save(view: SavedView, actor: Membership, values: dict[str, Any]) -> SavedView:
    unknown = set(values) - EDITABLE
    if unknown:
        raise ValidationError(
            {name: ["This field cannot be edited."] for name in unknown}
        )
    if values.get("is_shared", view.is_shared) and not can(actor, "views.share"):
        raise PermissionDenied("Only managers and admins may share views.")
    if "filters" in values:
        _check_filters(actor, values["filters"])
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
    for name, value in values.items():
        setattr(view, name, value)
    view.full_clean(exclude=["workspace", "owner"])
    view.save()
    return view


def saved_view_create(
    *, actor: Membership, name: str, replace: bool = False, **values: Any
) -> SavedView:
    """Save a view owned by `actor` in their workspace. `values`: filters,
    is_shared, is_pinned, position. With `replace`, the actor's own view of the
    same name is updated instead of adding a second one."""
    with transaction.atomic():
        view = None
        if replace:
            view = (
                SavedView.objects.select_for_update()
                .filter(
                    workspace_id=actor.workspace_id,
                    owner_id=actor.user_id,
                    name=(name or "").strip(),
                )
                .first()
            )
        if view is None:
            view = SavedView(workspace_id=actor.workspace_id, owner_id=actor.user_id)
        return _save(view, actor, {"name": name, **values})


def saved_view_update(
    *, view: SavedView, actor: Membership, **values: Any
) -> SavedView:
    """Change the view's name, filters, sharing, pinning or position."""
    if view.workspace_id != actor.workspace_id:
        raise NotFound("No such view.")
    if not saved_view_may_change(view, actor):
        raise PermissionDenied("Only its owner or a manager may change this view.")
    with transaction.atomic():
        return _save(view, actor, values)


def saved_view_rename(*, view: SavedView, actor: Membership, name: str) -> SavedView:
    return saved_view_update(view=view, actor=actor, name=name)


def saved_view_share(
    *, view: SavedView, actor: Membership, shared: bool = True
) -> SavedView:
    """Share the view with the workspace (managers and admins), or stop sharing it."""
    return saved_view_update(view=view, actor=actor, is_shared=shared)


def saved_view_delete(*, view: SavedView, actor: Membership) -> None:
    if view.workspace_id != actor.workspace_id:
        raise NotFound("No such view.")
    if not saved_view_may_change(view, actor):
        raise PermissionDenied("Only its owner or a manager may change this view.")
    view.delete()

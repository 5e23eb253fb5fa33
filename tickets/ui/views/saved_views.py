"""Saved views: save the tickets page's filters under a name (from the page), and
manage them on their own page: rename, pin, share, reorder, delete."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from helpdesk.lib.errors import DomainError
from helpdesk.permissions import can
from tickets import services
from tickets.ui import listing
from tickets.ui.forms import SavedViewEditForm, SavedViewForm
from tickets.ui.listing import TicketQuery
from tickets.ui.views.base import error_messages, member_for


@login_required
@require_POST
def saved_view_create(request, slug: str):
    """Save the page's current filters under a name; answers by opening the view."""
    membership = member_for(request, slug)
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        return HttpResponse(
            " ".join(e for errs in form.errors.values() for e in errs),
            status=422,
            content_type="text/plain",
        )
    query = TicketQuery(
        QueryDict(form.cleaned_data["query"].lstrip("?")),
        request=request,
        membership=membership,
    )
    if query.errors:  # e.g. a team or member id of another workspace
        return HttpResponse(
            " ".join(query.errors), status=422, content_type="text/plain"
        )
    data, names = form.cleaned_data, services.saved_view_filter_names()
    view = services.saved_view_create(
        actor=membership,
        name=data["name"],
        filters={k: v for k, v in query.as_filters().items() if k in names},
        is_shared=data["is_shared"] and can(membership, "views.share"),
        is_pinned=data["is_pinned"],
        replace=True,
    )
    url = TicketQuery.from_saved(view, request=request, membership=membership).url()
    url += ("&" if "?" in url else "?") + f"saved={view.pk}"
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@login_required
@require_POST
def saved_view_delete(request, slug: str, pk: int):
    membership = member_for(request, slug)
    view = listing.saved_views(membership=membership).filter(pk=pk).first()
    if view is None or not services.saved_view_may_change(view, membership):
        raise Http404("No such view.")
    services.saved_view_delete(view=view, actor=membership)
    if request.POST.get("next") == "manage":
        return redirect("tickets:views_manage", slug=slug)
    url = reverse("tickets:index", args=[slug])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _manage_page(request, membership, *, errors=(), status=200):
    views = list(
        listing.saved_views(membership=membership)
        .select_related("owner")
        .order_by("position", "name", "id")
    )
    rows = [
        {
            "view": view,
            "may_change": services.saved_view_may_change(view, membership),
            "url": TicketQuery.from_saved(
                view, request=request, membership=membership
            ).url(),
        }
        for view in views
    ]
    context = {
        "membership": membership,
        "rows": rows,
        "errors": errors,
        "can_share": can(membership, "views.share"),
        **listing.page_shell(request, membership),
    }
    return render(request, "tickets/saved_views.html", context, status=status)


@login_required
@require_GET
def saved_view_manage(request, slug: str):
    """The member's views and the shared ones, with what each member may change."""
    return _manage_page(request, member_for(request, slug))


@login_required
@require_POST
def saved_view_edit(request, slug: str, pk: int):
    """Rename, pin, share, or move a view up or down the sidebar's order."""
    membership = member_for(request, slug)
    view = listing.saved_views(membership=membership).filter(pk=pk).first()
    if view is None or not services.saved_view_may_change(view, membership):
        raise Http404("No such view.")
    form = SavedViewEditForm(request.POST)
    if not form.is_valid():
        errors = [f"{name}: {e}" for name, errs in form.errors.items() for e in errs]
        return _manage_page(request, membership, errors=errors, status=422)
    data = form.cleaned_data
    try:
        with transaction.atomic():
            if data["move"]:
                _move(membership, view, data["move"])
            else:
                values = {"name": data["name"], "is_pinned": data["is_pinned"]}
                if can(membership, "views.share"):
                    values["is_shared"] = data["is_shared"]
                services.saved_view_update(view=view, actor=membership, **values)
    except (DomainError, ValidationError) as exc:
        return _manage_page(request, membership, errors=error_messages(exc), status=422)
    return redirect("tickets:views_manage", slug=slug)


def _move(membership, view, direction: str) -> None:
    """Swap places with the neighbour above or below (the order the member sees);
    positions are renumbered 0..n so equal positions cannot stall a move."""
    ordered = list(
        listing.saved_views(membership=membership)
        .select_for_update()
        .order_by("position", "name", "id")
    )
    index = next(i for i, v in enumerate(ordered) if v.pk == view.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered):
        if item.position != position:
            type(item).objects.filter(pk=item.pk).update(position=position)

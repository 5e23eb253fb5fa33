"""Saved views from the tickets page: save the current filters under a name, delete."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from helpdesk.permissions import can
from tickets import services
from tickets.ui import listing
from tickets.ui.forms import SavedViewForm
from tickets.ui.listing import TicketQuery
from tickets.ui.views.base import member_for


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
    url = reverse("tickets:index", args=[slug])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)

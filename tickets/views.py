"""Agent pages. The full tickets UI (filters, board, detail panel) builds on these."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from helpdesk.models import Membership
from tickets.selectors import ticket_list


@login_required
def ticket_index(request):
    memberships = list(
        Membership.objects.filter(user=request.user).select_related("workspace")
    )
    membership = next(
        (m for m in memberships if m.workspace.slug == request.GET.get("workspace")),
        memberships[0] if memberships else None,
    )
    page = None
    if membership is not None:
        page = Paginator(ticket_list(membership=membership), 50).get_page(
            request.GET.get("page")
        )
    return render(
        request,
        "tickets/index.html",
        {"membership": membership, "memberships": memberships, "page": page},
    )

"""The integrations page for managers, /w/<slug>/settings/integrations/: each
connection's health (integrations.health), in a fixed number of queries.

The page carries base.html's top bar and workspace menu but not the ticket queue
counts: those come from tickets.ui.listing, which reads SLA state, and integrations
may not depend on sla (the import contracts)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from helpdesk.lib.errors import PermissionDenied
from helpdesk.models import Membership
from helpdesk.permissions import can
from helpdesk.tenancy import membership_for_slug, scoped
from integrations import health
from integrations.models import Connection


@login_required
@require_GET
def integrations_page(request, slug: str):
    membership = membership_for_slug(request.user, slug)
    if not can(membership, "reports.view"):
        raise PermissionDenied("Your role does not allow this.")
    connections = scoped(Connection.objects.all(), membership.workspace)
    return render(
        request,
        "integrations/index.html",
        {
            "membership": membership,
            "memberships": Membership.objects.filter(user=request.user)
            .select_related("workspace")
            .order_by("workspace__name"),
            "can_manage": True,
            "rows": health.health_of(list(connections.only("pk"))),
            "can_edit": can(membership, "integrations.manage"),
        },
    )

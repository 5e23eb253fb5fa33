"""The integrations page for managers, /w/<slug>/settings/integrations/: each
connection's health (integrations.health), in a fixed number of queries."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from helpdesk.lib.errors import PermissionDenied
from helpdesk.permissions import can
from helpdesk.tenancy import membership_for_slug, scoped
from integrations import health
from integrations.models import Connection
from tickets.ui import listing


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
            **listing.page_shell(request, membership),
            "rows": health.health_of(list(connections.only("pk"))),
            "can_edit": can(membership, "integrations.manage"),
        },
    )

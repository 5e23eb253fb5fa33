"""What every settings page (/w/<slug>/settings/) shares: the member, whose role
must allow the section (another workspace is 404, a role too low is 403), and the
page around the section."""

from django.http import Http404
from django.shortcuts import render

from helpdesk.lib.errors import PermissionDenied
from helpdesk.models import Membership
from helpdesk.permissions import can, refusal
from helpdesk.tenancy import membership_for_slug
from tickets.ui import listing

# (permission, title, url name, description) of each section, in the hub's order;
# the url names outside "settings:" belong to the pages other apps own.
SECTIONS = [
    ("rules.manage", "Escalation rules", "settings:rules",
     "Which escalations open tickets, and with what priority, team and tags."),
    ("sla.manage", "SLA policies", "settings:policies",
     "Response and resolution targets per priority."),
    ("sla.manage", "Business hours", "settings:calendars",
     "Calendars with open hours and holidays for the SLA clocks."),
    ("rules.manage", "Statuses", "settings:statuses",
     "Your names and colours for the six statuses."),
    ("rules.manage", "Teams and routing", "settings:teams",
     "Who is in each team and how its tickets are assigned."),
    ("members.manage", "Members", "settings:members",
     "Roles, removals and invitations by e-mail."),
    ("ticket.view", "Macros", "tickets:macros", "Canned replies for the composer."),
    ("channels.manage", "Reply channels", "messaging:channels",
     "Chat callback and e-mail for public replies."),
    ("integrations.manage", "Integrations", "integrations-ui:index",
     "Zendesk, Gorgias and Kustomer connections."),
]  # fmt: skip


def settings_member(request, slug: str, action: str) -> Membership:
    """The request's membership of `slug` if its role may `action`: settings are
    for managers and admins, so an agent gets 403 and a stranger 404."""
    if not request.user.is_authenticated:
        raise Http404("No such workspace.")
    membership = membership_for_slug(request.user, slug)
    if not can(membership, action):
        raise PermissionDenied(refusal(membership, "change this setting"))
    return membership


def render_settings(
    request, membership: Membership, template: str, context: dict, status=200
):
    sections = [
        (title, url_name, text)
        for action, title, url_name, text in SECTIONS
        if can(membership, action)
    ]
    return render(
        request,
        template,
        {**listing.page_shell(request, membership), "sections": sections, **context},
        status=status,
    )

"""What every settings page (/w/<slug>/settings/) shares: the member, whose role
must allow the section (another workspace is 404, a role too low is 403), and the
page around the section."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from helpdesk.lib.errors import PermissionDenied
from helpdesk.models import Membership
from helpdesk.permissions import can, refusal
from helpdesk.tenancy import membership_for_slug
from tickets.ui import listing
from tickets.ui.settings_forms import add_service_errors

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


@dataclass
class EditableList:
    """A settings section whose rows are listed, added and edited on one page
    (the form beside the list) and deleted by POST: escalation rules and teams.

    The section gives its rows, its page, the form's initial values for a row and
    its service calls; the views below do the rest the same way for each: the
    role check, another workspace's row as 404, the form's and the service's
    errors on the page again with 422, back to the list after a write."""

    action: str
    url_name: str
    what: str  # "rule": the 404's "No such rule."
    form_class: type[forms.Form]
    rows: Callable[[Membership], QuerySet]
    page: Callable[..., HttpResponse]  # (request, membership, *, form, editing, status)
    initial: Callable[[Model], dict]
    save: Callable[[HttpRequest, Membership, Model | None, dict], object]
    delete: Callable[[HttpRequest, Model], object]

    def row(self, membership: Membership, pk: int) -> Model:
        row = self.rows(membership).filter(pk=pk).first()
        if row is None:
            raise Http404(f"No such {self.what}.")
        return row

    def _save(self, request, membership, row):
        form = self.form_class(request.POST, workspace=membership.workspace)
        if form.is_valid():
            try:
                self.save(request, membership, row, dict(form.cleaned_data))
                return redirect(self.url_name, membership.workspace.slug)
            except ValidationError as exc:
                add_service_errors(form, exc)
        return self.page(request, membership, form=form, editing=row, status=422)

    def views(self):
        """The list (POST adds a row), edit and delete views, for the URLconf."""

        @login_required
        def list_view(request, slug: str):
            membership = settings_member(request, slug, self.action)
            if request.method == "POST":
                return self._save(request, membership, None)
            return self.page(request, membership)

        @login_required
        def edit_view(request, slug: str, pk: int):
            membership = settings_member(request, slug, self.action)
            row = self.row(membership, pk)
            if request.method == "POST":
                return self._save(request, membership, row)
            form = self.form_class(
                initial=self.initial(row), workspace=membership.workspace
            )
            return self.page(request, membership, form=form, editing=row)

        @login_required
        @require_POST
        def delete_view(request, slug: str, pk: int):
            membership = settings_member(request, slug, self.action)
            self.delete(request, self.row(membership, pk))
            return redirect(self.url_name, slug)

        return list_view, edit_view, delete_view

"""The notification centre: the bell in the sidebar, its dropdown and page.

Lists the member's notifications in the workspace (helpdesk.models.Notification,
the same rows the worker e-mails), marks them read, and keeps the member's choice
of also getting them by e-mail (Membership.email_notifications)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from helpdesk.models import Membership, Notification
from tickets.ui import listing
from tickets.ui.forms import EmailPreferenceForm, NotificationReadForm
from tickets.ui.views.base import member_for

PAGE_SIZE = 50


def _mine(membership: Membership):
    return Notification.objects.filter(
        recipient=membership.user, workspace=membership.workspace
    ).select_related("ticket")


@login_required
@require_GET
def notification_list(request, slug: str):
    """The newest notifications: the bell's dropdown (htmx) or the full page."""
    membership = member_for(request, slug)
    context = {
        "membership": membership,
        "notifications": list(_mine(membership)[:PAGE_SIZE]),
    }
    if request.htmx:
        return render(request, "tickets/partials/_notifications.html", context)
    context.update(listing.page_shell(request, membership))
    return render(request, "tickets/notifications.html", context)


@login_required
@require_POST
def notification_read(request, slug: str):
    membership = member_for(request, slug)
    form = NotificationReadForm(request.POST)
    if not form.is_valid():
        errors = [e for errs in form.errors.values() for e in errs]
        return render(
            request,
            "tickets/partials/_notifications.html",
            {"errors": errors},
            status=422,
        )
    unread = _mine(membership).filter(read_at__isnull=True)
    if form.cleaned_data["id"] is not None:
        if not _mine(membership).filter(pk=form.cleaned_data["id"]).exists():
            raise Http404("No such notification.")
        unread = unread.filter(pk=form.cleaned_data["id"])
    unread.update(read_at=timezone.now())
    if not request.htmx:
        return redirect("tickets:notifications", slug=slug)
    notifications = list(_mine(membership)[:PAGE_SIZE])
    response = render(
        request,
        "tickets/partials/_notifications.html",
        {"membership": membership, "notifications": notifications},
    )
    return trigger_client_event(response, "notificationsChanged")


@login_required
@require_POST
def notification_email(request, slug: str):
    """Turn e-mail copies of notifications on or off for this workspace."""
    membership = member_for(request, slug)
    form = EmailPreferenceForm(request.POST)
    form.is_valid()  # a missing checkbox is False: the form cannot be invalid
    Membership.objects.filter(pk=membership.pk).update(
        email_notifications=form.cleaned_data["email_notifications"]
    )
    return redirect("tickets:notifications", slug=slug)

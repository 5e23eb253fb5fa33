"""The reply channels page for managers, /w/<slug>/channels/: the chat callback
and the e-mail sender, each a form that saves through messaging.services."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render

from helpdesk.permissions import can
from helpdesk.tenancy import membership_for_slug
from messaging import services
from messaging.forms import ChannelForm
from messaging.models import Channel
from tickets.ui import listing


@login_required
def channels(request, slug: str):
    membership = membership_for_slug(request.user, slug)
    if not can(membership, "channels.manage"):
        raise PermissionDenied("Your role does not allow this.")
    workspace = membership.workspace
    saved = {c.kind: c for c in Channel.objects.filter(workspace=workspace)}
    forms = {
        kind: ChannelForm(kind=kind, channel=saved.get(kind))
        for kind in Channel.Kind.values
    }
    status = 200
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        if kind not in forms:
            raise PermissionDenied("Unknown channel kind.")
        form = forms[kind] = ChannelForm(
            request.POST, kind=kind, channel=saved.get(kind)
        )
        if form.is_valid():
            try:
                services.channel_save(
                    workspace=workspace,
                    actor=request.user,
                    values=form.values(),
                    channel=saved.get(kind),
                )
            except ValidationError as exc:
                form.add_model_errors(exc)
            else:
                return redirect("messaging:channels", slug)
        status = 400
    context = {
        **listing.page_shell(request, membership),
        "chat_form": forms[Channel.Kind.CHAT],
        "email_form": forms[Channel.Kind.EMAIL],
        "saved": saved,
    }
    return render(request, "messaging/channels.html", context, status=status)

"""The invitation link's page, /invitations/<token>/: the invitee signed in as the
invited address accepts with one click; someone without an account for it makes
one (a password, checked by the password validators) and is in. Any other
address, or a link that was used, revoked or has expired, joins nobody."""

from django import forms
from django.contrib.auth import get_user_model, login
from django.contrib.auth.forms import BaseUserCreationForm
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse

from helpdesk import invitations
from helpdesk.lib.errors import DomainError

BACKEND = "django.contrib.auth.backends.ModelBackend"


class AccountForm(BaseUserCreationForm):
    """A new account for the invited address (the address is not asked again)."""

    first_name = forms.CharField(max_length=150, required=False, label="Your name")

    class Meta(BaseUserCreationForm.Meta):
        model = get_user_model()
        fields = ["username", "first_name"]


def _render(request, context: dict, status: int = 200):
    return render(request, "registration/invitation.html", context, status=status)


def _joined(request, membership):
    return redirect("tickets:index", membership.workspace.slug)


def invitation_accept(request, token: str):
    invitation = invitations.invitation_for_token(token)
    if invitation is None:
        return _render(request, {"invalid": invitations.INVALID_LINK}, status=404)
    user = request.user if request.user.is_authenticated else None
    has_account = (
        user is None
        and get_user_model().objects.filter(email__iexact=invitation.email).exists()
    )
    context = {
        "invitation": invitation,
        "login_url": reverse("login") + "?next=" + request.path,
        "has_account": has_account,
    }
    if request.method != "POST":
        context["form"] = AccountForm() if user is None else None
        return _render(request, context)
    if user is not None:
        try:
            return _joined(
                request, invitations.invitation_accept(token=token, user=user)
            )
        except DomainError as exc:
            return _render(request, {**context, "error": exc.message}, status=400)
    form = AccountForm(request.POST)
    if has_account or not form.is_valid():
        return _render(request, {**context, "form": form}, status=400)
    with transaction.atomic():
        user = form.save(commit=False)
        user.email = invitation.email
        user.save()
        try:
            membership = invitations.invitation_accept(token=token, user=user)
        except DomainError as exc:
            transaction.set_rollback(True)
            return _render(request, {**context, "error": exc.message}, status=400)
    login(request, user, backend=BACKEND)
    return _joined(request, membership)

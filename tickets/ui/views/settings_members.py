"""Settings: the workspace's members (find by name, change role, remove) and its
invitations (invite by e-mail, revoke). Nobody joins but by invitation."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from helpdesk import invitations, services
from helpdesk.lib.errors import DomainError
from helpdesk.models import Invitation, Membership
from tickets.ui.settings_forms import InviteForm, RoleForm, add_service_errors
from tickets.ui.views.settings_base import render_settings, settings_member

ACTION = "members.manage"


def _members(membership, q: str = ""):
    rows = Membership.objects.filter(workspace=membership.workspace).select_related(
        "user"
    )
    for word in q.split()[:5]:
        rows = rows.filter(
            Q(user__username__icontains=word)
            | Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(user__email__icontains=word)
        )
    return rows.order_by("user__first_name", "user__username")


def _invitations(membership) -> list[Invitation]:
    now = timezone.now()
    rows = list(invitations.invitation_list(workspace=membership.workspace)[:100])
    for row in rows:
        row.current = row.state(now)
    return rows


def _page(request, membership, *, invite=None, errors=(), status=200):
    q = request.GET.get("q", "")[:100]
    return render_settings(
        request,
        membership,
        "settings/members.html",
        {
            "members": _members(membership, q),
            "q": q,
            "roles": Membership.Role.choices,
            "invitations": _invitations(membership),
            "invite": invite or InviteForm(),
            "errors": list(errors),
        },
        status=status,
    )


@login_required
def member_list(request, slug: str):
    """Members and invitations; POST invites an address (an e-mail is sent)."""
    membership = settings_member(request, slug, ACTION)
    if request.method != "POST":
        return _page(request, membership)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitations.invitation_create(
                workspace=membership.workspace,
                inviter=request.user,
                **form.cleaned_data,
            )
            return redirect("settings:members", slug)
        except ValidationError as exc:
            add_service_errors(form, exc)
    return _page(request, membership, invite=form, status=422)


def _member(membership, pk: int) -> Membership:
    row = _members(membership).filter(pk=pk).first()
    if row is None:
        raise Http404("No such member.")
    return row


@login_required
@require_POST
def member_role(request, slug: str, pk: int):
    membership = settings_member(request, slug, ACTION)
    target = _member(membership, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        errors = ["Choose a role: agent, manager or admin."]
        return _page(request, membership, errors=errors, status=422)
    try:
        services.membership_set_role(
            membership=target, role=form.cleaned_data["role"], actor=request.user
        )
    except DomainError as exc:
        return _page(request, membership, errors=[exc.message], status=422)
    return redirect("settings:members", slug)


@login_required
@require_POST
def member_remove(request, slug: str, pk: int):
    membership = settings_member(request, slug, ACTION)
    try:
        services.membership_remove(
            membership=_member(membership, pk), actor=request.user
        )
    except DomainError as exc:
        return _page(request, membership, errors=[exc.message], status=422)
    return redirect("settings:members", slug)


@login_required
@require_POST
def invitation_revoke(request, slug: str, pk: int):
    membership = settings_member(request, slug, ACTION)
    invitation = Invitation.objects.filter(
        workspace=membership.workspace, pk=pk
    ).first()
    if invitation is None:
        raise Http404("No such invitation.")
    invitations.invitation_revoke(invitation=invitation)
    return redirect("settings:members", slug)

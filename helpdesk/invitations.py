"""Members by invitation: the one way a person joins a workspace from the app or
the API. An admin invites an e-mail address with a role; the address gets a link
with a random token (only its hash is stored); whoever holds the link and is
signed in as that address (or creates an account for it) joins, once, before the
invitation expires or is revoked. No surface adds an existing user by id, so no
surface says whether an id or an address belongs to another workspace's user."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from helpdesk.audit import stamp_history
from helpdesk.lib.errors import DomainError
from helpdesk.models import Invitation, Membership, Workspace

INVALID_LINK = (
    "This invitation link is not valid: it was already used, revoked, or it expired. "
    "Ask an admin of the workspace for a new one."
)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def accept_url(token: str) -> str:
    return settings.PUBLIC_URL + reverse("invitation_accept", args=[token])


def _clean(email: str, role: str) -> tuple[str, str]:
    email = (email or "").strip()
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = ["Enter a valid e-mail address."]
    if role not in Membership.Role.values:
        errors["role"] = [f"Choose one of {', '.join(Membership.Role.values)}."]
    if errors:
        raise ValidationError(errors)
    return email, role


def invitation_create(
    *, workspace: Workspace, email: str, role: str, inviter
) -> tuple[Invitation, str]:
    """A new invitation and its token (shown nowhere but the e-mail). An open
    invitation to the same address is replaced; an address that is already a
    member of this workspace is refused (the admin can see their own members)."""
    email, role = _clean(email, role)
    if Membership.objects.filter(
        workspace=workspace, user__email__iexact=email
    ).exists():
        raise ValidationError({"email": ["This address is already a member here."]})
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        _open(workspace).alias(address=Lower("email")).filter(
            address=email.lower()
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            workspace=workspace,
            email=email,
            role=role,
            token_hash=_hash(token),
            inviter=inviter,
            expires_at=now + timedelta(days=settings.INVITATION_DAYS),
        )
        transaction.on_commit(lambda: _send(invitation, token))
    return invitation, token


def _send(invitation: Invitation, token: str) -> None:
    inviter = invitation.inviter
    who = (inviter.get_full_name() or inviter.get_username()) if inviter else "An admin"
    send_mail(
        f"Join {invitation.workspace.name} on Helpdesk",
        f"{who} invited you to the workspace {invitation.workspace.name} as "
        f"{invitation.get_role_display().lower()}.\n\nAccept the invitation:\n"
        f"{accept_url(token)}\n\nThe link works once and expires on "
        f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC.\n",
        None,
        [invitation.email],
    )


def _open(workspace: Workspace):
    return Invitation.objects.filter(
        workspace=workspace, accepted_at__isnull=True, revoked_at__isnull=True
    )


def invitation_list(*, workspace: Workspace):
    """The workspace's invitations, newest first, with their inviter."""
    return Invitation.objects.filter(workspace=workspace).select_related("inviter")


def invitation_revoke(*, invitation: Invitation) -> Invitation:
    """Close an open invitation: its link stops working. Revoking one that was
    accepted or revoked already changes nothing."""
    Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    invitation.refresh_from_db()
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    """The pending invitation the link's token names, or None (unknown, used,
    revoked or expired alike)."""
    return (
        _open_by_token(token)
        .filter(expires_at__gt=timezone.now())
        .select_related("workspace")
        .first()
    )


def _open_by_token(token: str):
    return Invitation.objects.filter(
        token_hash=_hash(token or ""),
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    )


def invitation_accept(*, token: str, user) -> Membership:
    """The signed-in `user` joins with the invitation's role. The row is claimed
    under a lock, so a double click or a second use of the link joins nobody
    twice; an address that does not match refuses."""
    with transaction.atomic():
        invitation = (
            _open_by_token(token)
            .filter(expires_at__gt=timezone.now())
            .select_for_update()
            .first()
        )
        if invitation is None:
            raise DomainError(INVALID_LINK)
        if (user.email or "").strip().lower() != invitation.email.lower():
            raise DomainError(
                f"This invitation is for {invitation.email}; sign in with that "
                "address to accept it."
            )
        membership = Membership.objects.filter(
            workspace_id=invitation.workspace_id, user=user
        ).first()
        if membership is None:
            membership = Membership(
                workspace_id=invitation.workspace_id, user=user, role=invitation.role
            )
            stamp_history(membership, user, "accepted an invitation")
            membership.save()
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership

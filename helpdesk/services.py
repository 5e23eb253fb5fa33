"""Writes for tenancy objects: contacts, memberships and teams. (Joining is by
invitation only: helpdesk.invitations.)"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower

from helpdesk.actors import Actor
from helpdesk.audit import stamp_history
from helpdesk.lib.bulk import insert_if_new
from helpdesk.lib.errors import DomainError
from helpdesk.models import Contact, Membership, Team, Workspace


def contact_upsert(
    *,
    workspace: Workspace,
    email: str = "",
    name: str = "",
    external_id: str = "",
    create_first: bool = False,
) -> Contact:
    """The workspace's contact with this e-mail (or external id), created if new.

    A known contact keeps its name unless it had none. It is looked up first (one
    statement when known, two when new), or with `create_first` inserted first
    (one when new, two when known). The insert yields to a concurrent one of the
    same contact, which it waits for, then reads.
    """
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(
                {"email": [f"{email!r} is not a valid e-mail address."]}
            ) from None
    if not email and not external_id:
        raise ValidationError(
            {"email": ["A contact needs an e-mail or an external id."]}
        )
    if email:
        # Spelled to match the unique index on (workspace, lower(email)) where the
        # e-mail is not empty; email__iexact (UPPER) would scan every contact.
        known = (
            Contact.objects.alias(email_lower=Lower("email"))
            .filter(email_lower=email.lower())
            .exclude(email="")
        )
    else:
        known = Contact.objects.filter(external_id=external_id)
    for attempt in range(2):
        contact = Contact(
            workspace=workspace, email=email, name=name, external_id=external_id
        )
        if (create_first or attempt) and insert_if_new(contact):
            return contact
        contact = known.filter(workspace=workspace).first()
        if contact is not None:
            changed = []
            if name and not contact.name:
                contact.name = name
                changed.append("name")
            if external_id and not contact.external_id:
                contact.external_id = external_id
                changed.append("external_id")
            if changed:
                contact.save(update_fields=changed)
            return contact
    raise ValidationError({"email": ["Could not save the contact; try again."]})


# --- memberships ---


def _is_last_admin(membership: Membership) -> bool:
    return (
        membership.role == Membership.Role.ADMIN
        and not Membership.objects.filter(
            workspace_id=membership.workspace_id, role=Membership.Role.ADMIN
        )
        .exclude(pk=membership.pk)
        .exists()
    )


def membership_set_role(
    *, membership: Membership, role: str, actor: Actor
) -> Membership:
    """Give a member another role; the workspace keeps at least one admin."""
    if role not in Membership.Role.values:
        raise ValidationError(
            {"role": [f"Choose one of {', '.join(Membership.Role.values)}."]}
        )
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if role != Membership.Role.ADMIN and _is_last_admin(membership):
            raise DomainError("The workspace needs at least one admin.", field="role")
        membership.role = role
        stamp_history(membership, actor, f"role {role}")
        membership.save(update_fields=["role"])
    return membership


def membership_remove(*, membership: Membership, actor: Actor) -> None:
    """Take a member out of the workspace and its teams; their tickets stay, and
    the last admin stays."""
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if _is_last_admin(membership):
            raise DomainError("The workspace needs at least one admin.")
        for team in Team.objects.filter(
            workspace_id=membership.workspace_id, members=membership.user_id
        ):
            stamp_history(team, actor, "member removed")
            team.members.remove(membership.user_id)
        stamp_history(membership, actor, "removed")
        membership.delete()


# --- teams ---


def team_save(
    *,
    workspace: Workspace,
    actor: Actor,
    name: str,
    routing: str,
    members: list,
    team: Team | None = None,
) -> Team:
    """Create or change a team: its name (unique in the workspace, any case), its
    routing method and its members, who must all be members of the workspace."""
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Give the team a name."]
    if routing not in Team.Routing.values:
        errors["routing"] = [f"Choose one of {', '.join(Team.Routing.values)}."]
    ids = {getattr(m, "pk", m) for m in members}
    known = set(
        Membership.objects.filter(workspace=workspace, user_id__in=ids).values_list(
            "user_id", flat=True
        )
    )
    if ids - known:
        errors["members"] = ["Pick members of this workspace."]
    taken = Team.objects.filter(workspace=workspace, name__iexact=name)
    if team is not None:
        taken = taken.exclude(pk=team.pk)
    if name and taken.exists():
        errors["name"] = ["Another team has this name."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if team is None:
            team = Team(workspace=workspace)
        else:
            team = Team.objects.select_for_update().get(pk=team.pk)
        team.name, team.routing = name, routing
        stamp_history(team, actor, "saved")
        team.save()
        stamp_history(team, actor, "members")
        team.members.set(sorted(ids))
    return team


def team_delete(*, team: Team, actor: Actor) -> None:
    """Delete a team; its tickets keep their other fields (team emptied)."""
    stamp_history(team, actor, "deleted")
    team.delete()

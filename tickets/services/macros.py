"""Macros: canned replies with placeholders that may also set fields.

A workspace macro (no owner) is made and changed by managers; a personal one by
its owner. The body is checked against the fixed placeholder set when saved
(tickets.macros), so template code never gets stored. Applying a macro is one
transaction through the one edit path (ticket_update, with the status workflow)
and comment_add: the field changes and the reply land together or not at all.
"""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from helpdesk.actors import Actor
from helpdesk.lib.errors import PermissionDenied
from helpdesk.models import Membership
from helpdesk.permissions import can
from helpdesk.tenancy import member_get
from tickets.macros import placeholder_values, render_body
from tickets.models import Comment, Macro, Ticket
from tickets.services.comments import comment_add
from tickets.services.edit import ticket_update
from tickets.services.tags import normalize_tag_names

EDITABLE = frozenset(
    {"name", "body", "set_status", "set_priority", "set_assignee", "add_tags"}
)


def macro_may_change(macro: Macro, actor: Membership) -> bool:
    """Its owner changes a personal macro; a manager or admin a workspace one."""
    if macro.workspace_id != actor.workspace_id:
        return False
    if macro.owner_id is not None:
        return macro.owner_id == actor.user_id
    return can(actor, "macros.manage")


def _write(macro: Macro, actor: Membership, values: dict[str, Any]) -> Macro:
    unknown = set(values) - EDITABLE
    if unknown:
        raise ValidationError({n: ["This field cannot be set."] for n in unknown})
    if "add_tags" in values:
        try:
            values["add_tags"] = normalize_tag_names(values["add_tags"] or [])
        except ValidationError as exc:
            raise ValidationError({"add_tags": exc.message_dict["tags"]}) from None
    assignee = values.get("set_assignee")
    if assignee is not None and member_get(actor.workspace, user=assignee) is None:
        raise ValidationError(
            {"set_assignee": ["No member with that id in this workspace."]}
        )
    for name, value in values.items():
        setattr(macro, name, value)
    macro.full_clean()
    macro.save()
    return macro


def macro_create(*, actor: Membership, personal: bool = True, **values: Any) -> Macro:
    """A personal macro of `actor`, or (managers) a workspace macro."""
    if not personal and not can(actor, "macros.manage"):
        raise PermissionDenied("Only a manager or admin may make workspace macros.")
    macro = Macro(
        workspace=actor.workspace,
        owner=actor.user if personal else None,
        created_by=actor.user,
    )
    with transaction.atomic():
        return _write(macro, actor, values)


def macro_update(*, macro: Macro, actor: Membership, **values: Any) -> Macro:
    if not macro_may_change(macro, actor):
        raise PermissionDenied("Only its owner or a manager may change this macro.")
    with transaction.atomic():
        return _write(macro, actor, values)


def macro_delete(*, macro: Macro, actor: Membership) -> None:
    if not macro_may_change(macro, actor):
        raise PermissionDenied("Only its owner or a manager may delete this macro.")
    macro.delete()


def macro_render(*, macro: Macro, ticket: Ticket, agent) -> str:
    """The macro's body for `ticket` answered by `agent`, placeholders filled in."""
    return render_body(macro.body, placeholder_values(ticket, agent))


def macro_apply(
    *,
    ticket: Ticket,
    macro: Macro,
    actor: Actor,
    body: str,
    is_public: bool = False,
    attachments: Sequence = (),
) -> Comment:
    """Post `body` (the macro's text, as the agent edited it) and set the macro's
    status, priority, assignee and tags, in one transaction: a refused transition
    or a bad file writes nothing. The field events carry the macro's name."""
    if macro.workspace_id != ticket.workspace_id:
        raise ValidationError({"macro": ["No such macro in this workspace."]})
    changes: dict[str, Any] = {}
    if macro.set_priority:
        changes["priority"] = macro.set_priority
    if macro.set_assignee_id:
        changes["assignee"] = macro.set_assignee
    with transaction.atomic():
        ticket_update(
            ticket=ticket,
            actor=actor,
            changes=changes,
            status=macro.set_status or None,
            add_tags=macro.add_tags,
            event_data={"macro": macro.name},
        )
        return comment_add(
            ticket=ticket,
            actor=actor,
            body=body,
            is_public=is_public,
            attachments=attachments,
        )

"""Creating, editing, deleting and reverting a ticket."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from helpdesk.actors import Actor, actor_user
from helpdesk.models import Contact, Team, Workspace
from helpdesk.tenancy import member_get
from tickets import events, workflow
from tickets.models import Conversation, Label, Ticket, TicketEvent
from tickets.services._common import (
    EVENT_FOR_FIELD,
    METADATA_FIELDS,
    UNSET,
    _check_values,
    _display,
    _lock,
    _save,
)
from tickets.services.tags import _tags_for, normalize_tag_names

# --- create ---


def _next_number(workspace: Workspace) -> int:
    """Take the workspace's next ticket number in one statement; the counter row stays
    locked until the creating transaction ends, so a rolled-back creation leaves no
    gap."""
    table = connection.ops.quote_name(Workspace._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET next_number = next_number + 1"  # noqa: S608
            " WHERE id = %s RETURNING next_number - 1",
            [workspace.pk],
        )
        return cursor.fetchone()[0]


def ticket_create(
    *,
    workspace: Workspace,
    actor: Actor | None,
    subject: str,
    content: str = "",
    priority: int = Ticket.Priority.MEDIUM,
    status: str = workflow.Status.OPEN,
    assignee: Any = UNSET,
    team: Team | None = None,
    requester: Contact | None = None,
    label: Label | None = None,
    tags: Iterable[str] = (),
    source: str = Ticket.Source.AGENT,
    primary_conversation: Conversation | None = None,
    escalation_rule: Any = None,
    then: Iterable[tuple] = (),
    **escalation: Any,
) -> Ticket:
    """Open a ticket with the workspace's next number.

    A ticket an agent files by hand is assigned to them unless another assignee (or
    explicitly None) is given. `escalation` takes the remaining text fields: topic,
    intent, channel, question, answer, ai_raw_response, confidence, governance_reason,
    summary, summary_by; `escalation_rule` is the EscalationRule that decided it.
    `then` lists further (kind, data) or (kind, data, actor) events the caller
    records with "created".
    """
    unknown = set(escalation) - set(METADATA_FIELDS)
    if unknown:
        raise TypeError(f"ticket_create() got unexpected fields {sorted(unknown)}")
    if assignee is UNSET:
        assignee = _creator_if_member(workspace, actor, source)
    if source not in Ticket.Source.values:
        raise ValidationError({"source": [f"Unknown source {source!r}."]})
    values = _check_values(
        workspace,
        {
            "subject": subject,
            "content": content,
            "priority": priority,
            "status": status,
            "assignee": assignee,
            "team": team,
            "requester": requester,
            "label": label,
            "primary_conversation": primary_conversation,
            "escalation_rule": escalation_rule,
            **escalation,
        },
    )
    return _insert(workspace, actor, source, values, normalize_tag_names(tags), then)


def _creator_if_member(workspace: Workspace, actor: Actor | None, source: str):
    """Who a ticket is assigned to by default: the agent filing it by hand, if they
    are a member of the workspace; nobody otherwise."""
    user = actor_user(actor)
    if source != Ticket.Source.AGENT or user is None:
        return None
    return member_get(workspace, user=user)


def _insert(
    workspace: Workspace,
    actor: Actor | None,
    source: str,
    values: dict[str, Any],
    tag_names: list[str],
    then: Iterable[tuple],
) -> Ticket:
    """Save the checked new ticket with its number, tags and "created" event, what
    the openers add (tickets.events) and the caller's further events `then`, all
    in one events INSERT."""
    now = timezone.now()
    resolved_at, closed_at = workflow.timestamps_after(
        old=workflow.Status.OPEN,
        new=values["status"],
        resolved_at=None,
        closed_at=None,
        now=now,
    )
    # No savepoint: a creation inside a caller's transaction (the intake) fails
    # with it, and costs no SAVEPOINT statements.
    with transaction.atomic(savepoint=False):
        ticket = Ticket(
            workspace=workspace,
            number=_next_number(workspace),
            source=source,
            created_by=actor_user(actor),
            created_at=now,
            resolved_at=resolved_at,
            closed_at=closed_at,
            **values,
        )
        openings = events.openings(ticket, tag_names)
        ticket._history_user = actor_user(actor)
        ticket._change_reason = "created"
        ticket.save()
        if tag_names:
            ticket.tags.set(_tags_for(workspace, tag_names))
        for opening in openings:
            if opening.save:
                opening.save()
        created = {
            "source": source,
            "subject": ticket.subject,
            "status": ticket.status,
            "priority": ticket.priority,
            "assignee": _display(ticket.assignee),
            "tags": tag_names,
        }
        events.record_many(
            [
                (ticket, TicketEvent.Kind.CREATED, created),
                *((ticket, *e) for o in openings for e in o.events),
                *((ticket, *event) for event in then),
            ],
            actor,
        )
    return ticket


# --- delete ---


def ticket_delete(*, ticket: Ticket, actor: Actor | None) -> None:
    """Delete permanently. The history keeps the record and the timeline keeps a
    "deleted" event (its ticket link becomes empty)."""
    with transaction.atomic():
        ticket = _lock(ticket)
        events.record(
            ticket,
            TicketEvent.Kind.DELETED,
            actor,
            ref=ticket.ref,
            subject=ticket.subject,
        )
        ticket._history_user = actor_user(actor)
        ticket._change_reason = "deleted"
        ticket.delete()


# --- revert (admin history) ---

REVERTIBLE_FIELDS = (*METADATA_FIELDS, *EVENT_FOR_FIELD, "status", "snoozed_until")


def ticket_revert(*, ticket: Ticket, history_id: int, actor: Actor | None) -> Ticket:
    """Put the ticket's fields back as they were in one of its history records.

    The status goes back only along an allowed transition (InvalidTransition
    otherwise). Writes one history row and one "reverted" event listing every field
    that changed; nothing changing writes nothing.
    """
    with transaction.atomic():
        ticket = _lock(ticket)
        record = ticket.history.filter(history_id=history_id).first()
        if record is None:
            raise ValidationError(
                {"history_id": ["That version does not belong to this ticket."]}
            )
        diffs = _revert_diffs(ticket, record)
        if not diffs:
            return ticket
        target = _revert_target(ticket, diffs)
        fields = set(target)
        for name, value in target.items():
            setattr(ticket, name, value)
        if "status" in target:
            fields |= {"resolved_at", "closed_at"}
        when = record.history_date.isoformat()
        _save(ticket, actor, fields, reason=f"reverted to version of {when}")
        events.record(
            ticket,
            TicketEvent.Kind.REVERTED,
            actor,
            history_id=history_id,
            history_date=when,
            fields={
                name: {"old": _display(old), "new": _display(new)}
                for name, (old, new) in diffs.items()
            },
        )
    return ticket


def _revert_diffs(ticket: Ticket, record) -> dict[str, tuple[Any, Any]]:
    """(current, recorded) per revertible field that differs; relations by id."""
    diffs = {}
    for name in REVERTIBLE_FIELDS:
        model_field = Ticket._meta.get_field(name)
        attribute = model_field.attname if model_field.is_relation else name
        current, value = getattr(ticket, attribute), getattr(record, attribute)
        if current != value:
            diffs[name] = (current, value)
    return diffs


def _revert_target(ticket: Ticket, diffs: dict[str, tuple[Any, Any]]) -> dict:
    """The checked values to set on the (locked) ticket; moves its status timestamps
    along an allowed transition."""
    relations = {
        name: value
        for name, (_old, value) in diffs.items()
        if Ticket._meta.get_field(name).is_relation
    }
    resolved = {}
    for name, pk in relations.items():
        model = Ticket._meta.get_field(name).related_model
        resolved[name] = model.objects.filter(pk=pk).first() if pk is not None else None
    plain = {
        name: value
        for name, (_old, value) in diffs.items()
        if name not in relations and name not in {"status", "snoozed_until"}
    }
    target = _check_values(ticket.workspace, {**plain, **resolved})
    if "status" in diffs:
        old_status, new_status = diffs["status"]
        workflow.check_transition(old_status, new_status)
        ticket.resolved_at, ticket.closed_at = workflow.timestamps_after(
            old=old_status,
            new=new_status,
            resolved_at=ticket.resolved_at,
            closed_at=ticket.closed_at,
            now=timezone.now(),
        )
        target["status"] = new_status
    if "snoozed_until" in diffs:
        until = diffs["snoozed_until"][1]
        target["snoozed_until"] = (
            until if until is None or until > timezone.now() else None
        )
    return target

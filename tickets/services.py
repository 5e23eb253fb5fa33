"""Every write to a ticket. One function per change: one transaction, one locked row,
one TicketEvent and one history row recording the actor.

Views, the API, the admin, importers and tasks call these; nothing else writes tickets.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from helpdesk.actors import Actor, SystemActor, actor_label, actor_user
from helpdesk.lib.errors import StaleVersion
from helpdesk.models import Contact, Membership, Team, Workspace
from tickets import events, workflow
from tickets.models import (
    Comment,
    Conversation,
    EscalationRule,
    Label,
    Message,
    Tag,
    Ticket,
    TicketEvent,
)

User = get_user_model()


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()

# Fields an edit may change, grouped by the timeline event each kind of change writes.
EVENT_FOR_FIELD = {
    "priority": TicketEvent.Kind.PRIORITY_CHANGED,
    "assignee": TicketEvent.Kind.ASSIGNED,
    "team": TicketEvent.Kind.TEAM_CHANGED,
    "label": TicketEvent.Kind.LABEL_CHANGED,
}
METADATA_FIELDS = (
    "subject",
    "content",
    "summary",
    "summary_by",
    "topic",
    "intent",
    "channel",
    "question",
    "answer",
    "ai_raw_response",
    "confidence",
    "governance_reason",
    "requester",
)
EDITABLE_FIELDS = frozenset(METADATA_FIELDS) | frozenset(EVENT_FOR_FIELD)
TEXT_LIMITS = {"topic": 100, "intent": 100, "channel": 50, "governance_reason": 300}
MAX_TEXT = 100_000
MAX_TAG_LENGTH = 50
MENTION = re.compile(r"(?<![\w@.])@([\w.+-]+)")


# --- validation ---


def _check_values(workspace: Workspace, values: dict[str, Any]) -> dict[str, Any]:
    """Normalised values, or ValidationError naming every bad field. Writes nothing."""
    errors: dict[str, list[str]] = {}
    clean = dict(values)
    if "subject" in values:
        subject = (values["subject"] or "").strip()
        if not subject:
            errors["subject"] = ["The subject cannot be empty."]
        elif len(subject) > Ticket.SUBJECT_MAX_LENGTH:
            errors["subject"] = [
                f"The subject is {len(subject)} characters; "
                f"the limit is {Ticket.SUBJECT_MAX_LENGTH}."
            ]
        clean["subject"] = subject
    if "priority" in values:
        priority = values["priority"]
        if isinstance(priority, bool) or not isinstance(priority, int):
            try:
                priority = int(str(priority))
            except ValueError:
                priority = None
        if priority not in Ticket.Priority.values:
            errors["priority"] = [
                "Priority must be a whole number from 1 to 5, "
                f"got {values['priority']!r}."
            ]
        clean["priority"] = priority
    if "status" in values and values["status"] not in workflow.Status.values:
        errors["status"] = [
            f"Unknown status {values['status']!r}; "
            f"choose one of {', '.join(workflow.Status.values)}."
        ]
    if values.get("confidence") is not None:
        confidence = values["confidence"]
        if (
            isinstance(confidence, bool)
            or not isinstance(confidence, int)
            or not (0 <= confidence <= 100)
        ):
            errors["confidence"] = ["Confidence must be a whole number from 0 to 100."]
    for name, limit in TEXT_LIMITS.items():
        if name in values and len(values[name] or "") > limit:
            errors[name] = [f"At most {limit} characters."]
    for name in ("content", "summary", "question", "answer", "ai_raw_response"):
        if name in values and len(values[name] or "") > MAX_TEXT:
            errors[name] = [f"At most {MAX_TEXT} characters."]
    if values.get("assignee") is not None:
        assignee = values["assignee"]
        if not Membership.objects.filter(user=assignee, workspace=workspace).exists():
            errors["assignee"] = ["The assignee is not a member of this workspace."]
    for name, model in (
        ("team", Team),
        ("label", Label),
        ("requester", Contact),
        ("primary_conversation", Conversation),
        ("escalation_rule", EscalationRule),
    ):
        obj = values.get(name)
        if obj is not None and (
            not isinstance(obj, model) or obj.workspace_id != workspace.pk
        ):
            errors[name] = [
                f"That {name.replace('_', ' ')} does not exist in this workspace."
            ]
    if errors:
        raise ValidationError(errors)
    return clean


def _display(value: Any) -> Any:
    """A JSON-friendly value for the event log."""
    if value is None or isinstance(value, str | int | float | bool):
        if isinstance(value, str) and len(value) > 500:
            return value[:500] + "…"
        return value
    if isinstance(value, User):
        return {"id": value.pk, "name": actor_label(value)}
    if isinstance(value, Label):
        return {"id": value.pk, "name": value.path}
    if hasattr(value, "pk"):
        return {"id": value.pk, "name": str(value)}
    return str(value)


# --- the row lock and the save ---


# What a locked ticket is read with: the relations its events and hooks show.
LOCKED_WITH = ("workspace", "assignee", "team", "label__parent", "requester")


def _lock(ticket: Ticket, expected_version: int | None = None) -> Ticket:
    locked = (
        # of=("self",): lock only the ticket row; PostgreSQL cannot lock the
        # nullable side of the outer joins that load its relations.
        Ticket.objects.select_for_update(of=("self",))
        .select_related(*LOCKED_WITH)
        .get(pk=ticket.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(
            f"{locked.ref} was changed by someone else (now version {locked.version}, "
            f"you edited version {expected_version}). Reload it and try again."
        )
    return locked


def _save(
    ticket: Ticket, actor: Actor | None, fields: Iterable[str], reason: str, bump=True
) -> None:
    """Save `fields`, bump the version, and leave a history row naming the actor."""
    ticket._history_user = actor_user(actor)
    ticket._change_reason = reason[:100]
    update_fields = {*fields, "updated_at"}
    if bump:
        ticket.version = F("version") + 1
        update_fields.add("version")
    ticket.save(update_fields=update_fields)
    if bump:
        ticket.refresh_from_db(fields=["version"])


# --- create ---


def _next_number(workspace: Workspace) -> int:
    """Take the workspace's next ticket number; the counter row stays locked until the
    creating transaction ends, so a rolled-back creation leaves no gap."""
    number = (
        Workspace.objects.select_for_update()
        .values_list("next_number", flat=True)
        .get(pk=workspace.pk)
    )
    Workspace.objects.filter(pk=workspace.pk).update(next_number=F("next_number") + 1)
    return number


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
    **escalation: Any,
) -> Ticket:
    """Open a ticket with the workspace's next number.

    A ticket an agent files by hand is assigned to them unless another assignee (or
    explicitly None) is given. `escalation` takes the remaining text fields: topic,
    intent, channel, question, answer, ai_raw_response, confidence, governance_reason,
    summary, summary_by; `escalation_rule` is the EscalationRule that decided it.
    """
    unknown = set(escalation) - set(METADATA_FIELDS)
    if unknown:
        raise TypeError(f"ticket_create() got unexpected fields {sorted(unknown)}")
    if assignee is UNSET:
        user = actor_user(actor)
        assignee = user if source == Ticket.Source.AGENT else None
        if (
            assignee is not None
            and not Membership.objects.filter(
                user=assignee, workspace=workspace
            ).exists()
        ):
            assignee = None
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
    tag_names = _clean_tag_names(tags)
    now = timezone.now()
    resolved_at, closed_at = workflow.timestamps_after(
        old=workflow.Status.OPEN, new=status, resolved_at=None, closed_at=None, now=now
    )
    with transaction.atomic():
        ticket = Ticket(
            workspace=workspace,
            number=_next_number(workspace),
            source=source,
            created_by=actor_user(actor),
            resolved_at=resolved_at,
            closed_at=closed_at,
            **values,
        )
        ticket._history_user = actor_user(actor)
        ticket._change_reason = "created"
        ticket.save()
        if tag_names:
            ticket.tags.set(_tags_for(workspace, tag_names))
        events.record(
            ticket,
            TicketEvent.Kind.CREATED,
            actor,
            source=source,
            subject=ticket.subject,
            status=ticket.status,
            priority=ticket.priority,
            assignee=_display(ticket.assignee),
            tags=tag_names,
        )
    return ticket


# --- edits ---


def ticket_update(
    *,
    ticket: Ticket,
    actor: Actor | None,
    changes: dict[str, Any],
    expected_version: int | None = None,
    event_data: dict[str, Any] | None = None,
) -> Ticket:
    """Change plain fields, priority, assignee, team, label or requester.

    Writes one history row, and one event per kind of change (priority, assignment,
    team, label; the remaining fields together as "metadata updated"). Fields whose
    value does not change are ignored; nothing changing writes nothing. `event_data`
    is added to every event written (e.g. `{"via": "routing"}`).
    """
    extra = dict(event_data or {})
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(
            {name: ["This field cannot be edited."] for name in unknown}
        )
    values = _check_values(ticket.workspace, changes)
    with transaction.atomic():
        ticket = _lock(ticket, expected_version)
        diffs = {
            name: (getattr(ticket, name), new)
            for name, new in values.items()
            if getattr(ticket, name) != new
        }
        if not diffs:
            return ticket
        for name, (_old, new) in diffs.items():
            setattr(ticket, name, new)
        _save(ticket, actor, diffs, reason="changed " + ", ".join(sorted(diffs)))
        metadata = {}
        for name, (old, new) in diffs.items():
            if name in EVENT_FOR_FIELD:
                events.record(
                    ticket,
                    EVENT_FOR_FIELD[name],
                    actor,
                    old=_display(old),
                    new=_display(new),
                    **extra,
                )
            else:
                metadata[name] = {"old": _display(old), "new": _display(new)}
        if metadata:
            events.record(
                ticket,
                TicketEvent.Kind.METADATA_UPDATED,
                actor,
                fields=metadata,
                **extra,
            )
    return ticket


def ticket_assign(*, ticket: Ticket, assignee, actor: Actor | None, **kw) -> Ticket:
    return ticket_update(
        ticket=ticket, actor=actor, changes={"assignee": assignee}, **kw
    )


def ticket_set_priority(
    *, ticket: Ticket, priority: int, actor: Actor | None, **kw
) -> Ticket:
    return ticket_update(
        ticket=ticket, actor=actor, changes={"priority": priority}, **kw
    )


def ticket_set_team(
    *, ticket: Ticket, team: Team | None, actor: Actor | None, **kw
) -> Ticket:
    return ticket_update(ticket=ticket, actor=actor, changes={"team": team}, **kw)


def ticket_set_label(
    *, ticket: Ticket, label: Label | None, actor: Actor | None, **kw
) -> Ticket:
    return ticket_update(ticket=ticket, actor=actor, changes={"label": label}, **kw)


def _check_comment(comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > MAX_TEXT:
        raise ValidationError({"comment": [f"At most {MAX_TEXT} characters."]})
    return comment


def _move(ticket: Ticket, to: str, now: datetime) -> tuple[str, list[str]]:
    """Change the (locked) ticket's status in memory, with the timestamps the move
    sets and the snooze it ends: the old status and the fields to save."""
    old = ticket.status
    workflow.check_transition(old, to)
    ticket.status = to
    ticket.resolved_at, ticket.closed_at = workflow.timestamps_after(
        old=old,
        new=to,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        now=now,
    )
    fields = ["status", "resolved_at", "closed_at"]
    if to not in workflow.ACTIVE_STATUSES and ticket.snoozed_until is not None:
        ticket.snoozed_until = None
        fields.append("snoozed_until")
    return old, fields


def _status_comment(ticket: Ticket, actor: Actor | None, comment: str) -> Comment:
    return Comment(
        ticket=ticket,
        author=actor_user(actor),
        author_label=actor_label(actor),
        body=comment,
    )


def ticket_change_status(
    *,
    ticket: Ticket,
    to: str,
    actor: Actor | None,
    comment: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """Move the ticket along the state machine, optionally explaining why.

    The comment is kept as an internal comment and on the event. Leaving the active
    statuses ends a snooze.
    """
    comment = _check_comment(comment)
    with transaction.atomic():
        ticket = _lock(ticket, expected_version)
        old, fields = _move(ticket, to, timezone.now())
        _save(ticket, actor, fields, reason=comment or f"status {old} -> {to}")
        if comment:
            _status_comment(ticket, actor, comment).save()
        events.record(
            ticket,
            TicketEvent.Kind.STATUS_CHANGED,
            actor,
            old=old,
            new=to,
            comment=comment,
        )
    return ticket


MOVE_TIMESTAMPS = ("resolved_at", "closed_at", "snoozed_until")


def tickets_change_status(
    *, tickets: list[Ticket], to: str, actor: Actor | None, comment: str = ""
) -> dict[int, str]:
    """ticket_change_status for many tickets (bulk actions) in a few statements:
    the same row change, history row, comment and event per ticket.

    Returns why each refused ticket (a move the state machine forbids) was left
    alone, by ticket id; every other ticket is moved.
    """
    comment = _check_comment(comment)
    now = timezone.now()
    refused: dict[int, str] = {}
    moved: list[tuple[Ticket, str]] = []
    # One UPDATE per set of timestamp changes (resolved now, reopened, ...): a few
    # statements, where bulk_update's CASE per row and field took seconds.
    updates: dict[tuple, list[int]] = defaultdict(list)
    with transaction.atomic():
        locked = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related(*LOCKED_WITH)
            .filter(pk__in=[ticket.pk for ticket in tickets])
            .order_by("pk")  # one lock order for every bulk change: no deadlock
        )
        for ticket in locked:
            before = {name: getattr(ticket, name) for name in MOVE_TIMESTAMPS}
            try:
                old, _fields = _move(ticket, to, now)
            except workflow.InvalidTransition as exc:
                refused[ticket.pk] = exc.message
                continue
            ticket.version += 1  # the row is locked: the stored version + 1
            ticket.updated_at = now
            moved.append((ticket, old))
            changed = tuple(
                (name, getattr(ticket, name))
                for name in MOVE_TIMESTAMPS
                if getattr(ticket, name) != before[name]
            )
            updates[changed].append(ticket.pk)
        if not moved:
            return refused
        for changed, ids in updates.items():
            Ticket.objects.filter(pk__in=ids).update(
                status=to, version=F("version") + 1, updated_at=now, **dict(changed)
            )
        Ticket.history.bulk_history_create(
            [ticket for ticket, _old in moved],
            update=True,
            default_user=actor_user(actor),
            default_change_reason=(comment or f"status -> {to}")[:100],
            default_date=now,
        )
        if comment:
            Comment.objects.bulk_create(
                _status_comment(ticket, actor, comment) for ticket, _old in moved
            )
        events.record_many(
            [
                (
                    ticket,
                    TicketEvent.Kind.STATUS_CHANGED,
                    {"old": old, "new": to, "comment": comment},
                )
                for ticket, old in moved
            ],
            actor,
        )
    return refused


def ticket_complete(*, ticket: Ticket, actor: Actor | None, **kw) -> Ticket:
    return ticket_change_status(
        ticket=ticket, to=workflow.Status.RESOLVED, actor=actor, **kw
    )


def ticket_incomplete(*, ticket: Ticket, actor: Actor | None, **kw) -> Ticket:
    return ticket_change_status(
        ticket=ticket, to=workflow.Status.OPEN, actor=actor, **kw
    )


# --- tags and labels ---


def _clean_tag_names(names: Iterable[str]) -> list[str]:
    clean: list[str] = []
    for raw in names:
        name = " ".join(str(raw).split()).lower()
        if not name:
            continue
        if len(name) > MAX_TAG_LENGTH or "," in name:
            raise ValidationError(
                {
                    "tags": [
                        f"Tag {raw!r}: at most {MAX_TAG_LENGTH} characters, no commas."
                    ]
                }
            )
        if name not in clean:
            clean.append(name)
    return clean


def _tags_for(workspace: Workspace, names: list[str]) -> list[Tag]:
    """The workspace's tags with these names, creating the new ones."""
    existing = {
        t.name: t for t in Tag.objects.filter(workspace=workspace, name__in=names)
    }
    for name in names:
        if name not in existing:
            try:
                with transaction.atomic():
                    existing[name] = Tag.objects.create(workspace=workspace, name=name)
            except IntegrityError:  # made by a concurrent request
                existing[name] = Tag.objects.get(workspace=workspace, name=name)
    return [existing[name] for name in names]


def ticket_set_tags(
    *,
    ticket: Ticket,
    actor: Actor | None,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
) -> Ticket:
    """Add and remove tags (made on the fly); one "tags changed" event."""
    add_names, remove_names = _clean_tag_names(add), _clean_tag_names(remove)
    with transaction.atomic():
        ticket = _lock(ticket)
        current = set(ticket.tags.values_list("name", flat=True))
        added = [n for n in add_names if n not in current and n not in remove_names]
        removed = [n for n in remove_names if n in current]
        if not added and not removed:
            return ticket
        if added:
            ticket.tags.add(*_tags_for(ticket.workspace, added))
        if removed:
            ticket.tags.remove(
                *Tag.objects.filter(workspace=ticket.workspace, name__in=removed)
            )
        reason = " ".join([*(f"+{n}" for n in added), *(f"-{n}" for n in removed)])
        _save(ticket, actor, [], reason=f"tags {reason}")
        events.record(
            ticket, TicketEvent.Kind.TAGS_CHANGED, actor, added=added, removed=removed
        )
    return ticket


def label_get_or_create(*, workspace: Workspace, path: str) -> Label:
    """The label at `path` ("Billing > Refund"), creating missing levels."""
    names = [part.strip() for part in (path or "").split(">")]
    if not names or any(not name for name in names) or any(len(n) > 100 for n in names):
        raise ValidationError(
            {"label": [f"{path!r} is not a label path like 'Billing > Refund'."]}
        )
    parent = None
    for name in names:
        label = Label.objects.filter(
            workspace=workspace, parent=parent, name__iexact=name
        ).first()
        if label is None:
            try:
                with transaction.atomic():
                    label = Label.objects.create(
                        workspace=workspace, parent=parent, name=name
                    )
            except IntegrityError:
                label = Label.objects.get(
                    workspace=workspace, parent=parent, name__iexact=name
                )
        parent = label
    return parent


# --- comments ---


def mentioned_members(workspace: Workspace, body: str) -> list:
    """Members of the workspace named as @username in `body`."""
    names = {name.rstrip(".").lower() for name in MENTION.findall(body or "")}
    if not names:
        return []
    return [
        m.user
        for m in Membership.objects.filter(workspace=workspace).select_related("user")
        if m.user.username.lower() in names
    ]


def comment_add(
    *, ticket: Ticket, actor: Actor | None, body: str, is_public: bool = False
) -> Comment:
    """Add an internal or public comment.

    A public comment goes to the customer: it is appended to the primary conversation
    as an agent message and, the first time, marks the ticket's first response.
    """
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": ["The comment cannot be empty."]})
    if len(body) > MAX_TEXT:
        raise ValidationError({"body": [f"At most {MAX_TEXT} characters."]})
    with transaction.atomic():
        ticket = _lock(ticket)
        now = timezone.now()
        comment = Comment.objects.create(
            ticket=ticket,
            author=actor_user(actor),
            author_label=actor_label(actor),
            body=body,
            is_public=is_public,
        )
        mentions = mentioned_members(ticket.workspace, body)
        if mentions:
            comment.mentions.set(mentions)
        fields = []
        if is_public:
            if ticket.first_responded_at is None and not isinstance(actor, SystemActor):
                ticket.first_responded_at = now
                fields.append("first_responded_at")
            if ticket.primary_conversation_id:
                Message.objects.create(
                    conversation_id=ticket.primary_conversation_id,
                    author_kind=Message.AuthorKind.AGENT,
                    author_name=actor_label(actor),
                    author_user=actor_user(actor),
                    body=body,
                    sent_at=now,
                )
        _save(
            ticket,
            actor,
            fields,
            reason="public reply" if is_public else "note",
            bump=False,
        )
        events.record(
            ticket,
            TicketEvent.Kind.COMMENTED,
            actor,
            comment_id=comment.pk,
            public=is_public,
            excerpt=body[:200],
            mentions=[u.username for u in mentions],
        )
    return comment


# --- snooze ---


def ticket_snooze(*, ticket: Ticket, until: datetime, actor: Actor | None) -> Ticket:
    """Hide the ticket from active views until `until`."""
    if until is None or timezone.is_naive(until):
        raise ValidationError({"until": ["Give a date and time with a time zone."]})
    if until <= timezone.now():
        raise ValidationError({"until": ["The snooze must end in the future."]})
    with transaction.atomic():
        ticket = _lock(ticket)
        if ticket.status not in workflow.ACTIVE_STATUSES:
            raise ValidationError(
                {
                    "status": [
                        f"A {workflow.label(ticket.status)} ticket cannot be snoozed."
                    ]
                }
            )
        ticket.snoozed_until = until
        _save(
            ticket,
            actor,
            ["snoozed_until"],
            reason=f"snoozed until {until.isoformat()}",
        )
        events.record(ticket, TicketEvent.Kind.SNOOZED, actor, until=until.isoformat())
    return ticket


def ticket_unsnooze(
    *, ticket: Ticket, actor: Actor | None, kind: str = TicketEvent.Kind.UNSNOOZED
) -> Ticket:
    """End a snooze now: by hand, on a customer reply, or `kind=WOKE` when due."""
    with transaction.atomic():
        ticket = _lock(ticket)
        if ticket.snoozed_until is None:
            return ticket
        until = ticket.snoozed_until
        ticket.snoozed_until = None
        _save(
            ticket,
            actor,
            ["snoozed_until"],
            reason="woke up" if kind == "woke" else "unsnoozed",
        )
        events.record(ticket, kind, actor, was_until=until.isoformat())
    return ticket


def tickets_wake(*, tickets: list[Ticket], actor: Actor | None) -> None:
    """Wake many due tickets at once (the snooze sweep), locked by the caller: the
    same row change, history row and "Woke up" event per ticket as ticket_unsnooze,
    in a few statements instead of a transaction each."""
    now = timezone.now()
    was_until = {ticket.pk: ticket.snoozed_until for ticket in tickets}
    for ticket in tickets:
        ticket.snoozed_until = None
        ticket.version += 1  # the row is locked, so this is the stored version + 1
        ticket.updated_at = now
    bulk_update_with_history(
        tickets,
        Ticket,
        ["snoozed_until", "version", "updated_at"],
        default_user=actor_user(actor),
        default_change_reason="woke up",
        default_date=now,
    )
    events.record_many(
        [
            (
                ticket,
                TicketEvent.Kind.WOKE,
                {"was_until": was_until[ticket.pk].isoformat()},
            )
            for ticket in tickets
        ],
        actor,
    )


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


# --- conversations ---


def ticket_add_conversation(
    *, ticket: Ticket, conversation: Conversation, actor: Actor | None, **event_data
) -> Ticket:
    """Attach `conversation` to the ticket as an associated conversation.

    A conversation that already feeds the ticket changes nothing.
    """
    if conversation.workspace_id != ticket.workspace_id:
        raise ValidationError(
            {"conversation": ["That conversation does not exist in this workspace."]}
        )
    with transaction.atomic():
        ticket = _lock(ticket)
        if (
            ticket.primary_conversation_id == conversation.pk
            or ticket.associated_conversations.filter(pk=conversation.pk).exists()
        ):
            return ticket
        ticket.associated_conversations.add(conversation)
        _save(ticket, actor, [], reason=f"conversation {conversation} added")
        events.record(
            ticket,
            TicketEvent.Kind.CONVERSATION_ADDED,
            actor,
            conversation={
                "id": conversation.pk,
                "external_id": conversation.external_id,
            },
            **event_data,
        )
    return ticket


def conversation_create(
    *,
    workspace: Workspace,
    channel: str = "",
    external_id: str = "",
    contact: Contact | None = None,
    handled_by: str = Conversation.HandledBy.AI,
    started_at: datetime | None = None,
    messages: Iterable[dict] = (),
) -> Conversation:
    """Record a conversation and its messages (dicts of author_kind, body, sent_at)."""
    if contact is not None and contact.workspace_id != workspace.pk:
        raise ValidationError(
            {"contact": ["That contact does not exist in this workspace."]}
        )
    with transaction.atomic():
        conversation = Conversation.objects.create(
            workspace=workspace,
            channel=channel,
            external_id=external_id,
            contact=contact,
            handled_by=handled_by,
            started_at=started_at or timezone.now(),
        )
        Message.objects.bulk_create(
            Message(conversation=conversation, **message) for message in messages
        )
    return conversation


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
        wanted: dict[str, Any] = {}
        for name in REVERTIBLE_FIELDS:
            model_field = Ticket._meta.get_field(name)
            if model_field.is_relation:
                wanted[name] = getattr(record, model_field.attname)
            else:
                wanted[name] = getattr(record, name)
        diffs = {}
        for name, value in wanted.items():
            model_field = Ticket._meta.get_field(name)
            current = getattr(
                ticket, model_field.attname if model_field.is_relation else name
            )
            if current != value:
                diffs[name] = (current, value)
        if not diffs:
            return ticket
        relations = {
            name: value
            for name, (_old, value) in diffs.items()
            if Ticket._meta.get_field(name).is_relation
        }
        resolved = {}
        for name, pk in relations.items():
            model = Ticket._meta.get_field(name).related_model
            obj = model.objects.filter(pk=pk).first() if pk is not None else None
            resolved[name] = obj
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

"""The escalation intake: how the AI agent's hand-overs become tickets.

`escalation_intake` takes one posted escalation: it validates the whole payload
(`EscalationPayloadSerializer`) before writing anything, claims the idempotency key,
upserts the contact (by e-mail) and the conversation (by external id), asks the
workspace's escalation rules what to do, and then opens a ticket (routed within its
team), attaches the conversation to the requester's matching active ticket, or
records that nothing was escalated.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from helpdesk.actors import AI_AGENT, CUSTOMER_ACTOR, Actor, actor_user
from helpdesk.lib.errors import IdempotencyKeyReused
from helpdesk.models import Contact, Workspace
from helpdesk.services import contact_upsert
from tickets import services, workflow
from tickets.conversations import customer_replied, tool_calls_announce
from tickets.intake import routing, summaries
from tickets.intake.inbound import conversation_upsert
from tickets.intake.rules import Facts, rule_for, rule_ref
from tickets.intake.serializers import IntakeInput, parse_intake
from tickets.models import (
    Conversation,
    EscalationIntake,
    EscalationRule,
    Message,
    Ticket,
    TicketEvent,
)

MAX_KEY_LENGTH = 255
INTAKE_KEY_RETENTION = timedelta(days=7)


@dataclass
class IntakeResult:
    """What an escalation post did."""

    outcome: str  # EscalationIntake.Outcome
    conversation: Conversation | None
    ticket: Ticket | None = None
    rule: EscalationRule | None = None
    detail: str = ""
    replayed: bool = False

    @property
    def created(self) -> bool:
        return self.outcome == EscalationIntake.Outcome.CREATED


def _request_hash(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    # A lone surrogate in the payload (stripped from what is stored) still
    # tells two posts apart.
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def intake_key(
    *, actor: Actor | None, idempotency_key: str, event_id: str, request_hash: str
) -> str:
    """The claim key: the client's Idempotency-Key (per principal), else its event
    id, else the payload itself, so an identical re-post is always a replay."""
    key = (idempotency_key or "").strip()
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationError(
            {"Idempotency-Key": [f"At most {MAX_KEY_LENGTH} characters."]}
        )
    if key:
        user = actor_user(actor)
        return f"key:{user.pk if user else '-'}:{key}"
    if event_id:
        return f"event:{event_id}"
    return f"body:{request_hash}"


def _replay(claim: EscalationIntake, request_hash: str) -> IntakeResult:
    if claim.request_hash != request_hash:
        raise IdempotencyKeyReused(
            "This idempotency key (or event id) was already used for a different "
            "escalation; send a new key for a new escalation."
        )
    return IntakeResult(
        outcome=claim.outcome,
        conversation=claim.conversation,
        ticket=claim.ticket,
        rule=claim.rule,
        detail=claim.detail,
        replayed=True,
    )


def _subject(data: IntakeInput) -> str:
    candidates = [data.subject, data.question]
    candidates += [
        m.body for m in data.messages if m.author_kind == Message.AuthorKind.CONTACT
    ]
    for text in candidates:
        line = " ".join((text or "").split())
        if line:
            return summaries.clip(line, Ticket.SUBJECT_MAX_LENGTH)
    return f"Escalated conversation {data.external_id}"


def _grouping_target(
    rule: EscalationRule, contact: Contact | None, now: datetime
) -> Ticket | None:
    """The requester's newest active ticket with the rule's label opened within the
    rule's window. The contact row is locked first so two escalations for the same
    requester decide one after the other."""
    if not rule.group_within_days or rule.label_id is None or contact is None:
        return None
    Contact.objects.select_for_update().filter(pk=contact.pk).first()
    return (
        Ticket.objects.filter(
            workspace_id=contact.workspace_id,
            requester=contact,
            label_id=rule.label_id,
            status__in=workflow.ACTIVE_STATUSES,
            created_at__gte=now - timedelta(days=rule.group_within_days),
        )
        .order_by("-created_at", "-id")
        .first()
    )


def escalation_intake(
    *,
    workspace: Workspace,
    actor: Actor | None = AI_AGENT,
    payload: Any,
    idempotency_key: str = "",
) -> IntakeResult:
    """Process one escalation post; see the module docstring.

    Invalid payloads raise ValidationError before anything is written. A repeated
    key with the same payload returns the first outcome (`replayed=True`); with a
    different payload it raises IdempotencyKeyReused.
    """
    data = parse_intake(payload)
    request_hash = _request_hash(payload)
    key = intake_key(
        actor=actor,
        idempotency_key=idempotency_key,
        event_id=data.event_id,
        request_hash=request_hash,
    )
    try:
        with transaction.atomic():
            result = _escalate(workspace=workspace, actor=actor, data=data)
            # The claim, last: one INSERT. A concurrent post with this key waits on
            # the unique index until this transaction ends, then fails here, rolls
            # back everything it did and replays what this one stored.
            EscalationIntake.objects.create(
                workspace=workspace,
                key=key,
                request_hash=request_hash,
                outcome=result.outcome,
                ticket=result.ticket,
                conversation=result.conversation,
                rule=result.rule,
                detail=result.detail[:300],
                stripped_characters=data.stripped_characters,
            )
    except IntegrityError:
        claim = (
            EscalationIntake.objects.select_related(
                "ticket__workspace", "conversation", "rule"
            )
            .filter(workspace=workspace, key=key)
            .first()
        )
        if claim is None:
            raise
        return _replay(claim, request_hash)
    return result


def _record(
    workspace: Workspace, data: IntakeInput
) -> tuple[Contact | None, Conversation, list[summaries.Line], list[Message]]:
    """The contact and conversation of the post (stored), their new customer
    messages announced, the whole thread's transcript and the new messages."""
    contact = None
    if data.contact_email or data.contact_external_id:
        contact = contact_upsert(
            workspace=workspace,
            email=data.contact_email,
            name=data.contact_name,
            external_id=data.contact_external_id,
            create_first=True,  # escalations come from many one-off chat users
        )
    conversation, added, new = conversation_upsert(
        workspace=workspace, data=data, contact=contact
    )
    if new:  # no ticket to tell yet, and the thread is what was just stored
        ordered = sorted(added, key=lambda m: (m.sent_at, m.pk))
        lines = [
            summaries.Line(author_kind=m.author_kind, body=m.body) for m in ordered
        ]
    else:
        customer_replied(conversation, added, CUSTOMER_ACTOR)
        lines = summaries.lines_of(conversation)  # the whole thread, not this post
    return contact or conversation.contact, conversation, lines, added


def _escalate(
    *, workspace: Workspace, actor: Actor | None, data: IntakeInput
) -> IntakeResult:
    """Record the post, decide its outcome, then put its tool calls on the
    timeline of every ticket the conversation now feeds."""
    contact, conversation, lines, added = _record(workspace, data)
    result = _decide(workspace, actor, data, contact, conversation, lines)
    tool_calls_announce(conversation, added, actor)
    return result


def _decide(
    workspace: Workspace,
    actor: Actor | None,
    data: IntakeInput,
    contact: Contact | None,
    conversation: Conversation,
    lines: list[summaries.Line],
) -> IntakeResult:
    facts = Facts(
        confidence=data.confidence,
        channel=data.channel or conversation.channel,
        topic=data.topic,
        intent=data.intent,
        question=data.question,
        transcript="\n".join(line.body for line in lines),
        email=contact.email if contact else "",
    )
    rule = rule_for(workspace, facts)
    if not data.escalate and (rule is None or not rule.escalate):
        detail = (
            f"Rule {rule.name!r} says not to escalate."
            if rule
            else "No escalation rule matched and escalate was not requested."
        )
        return IntakeResult(
            outcome=EscalationIntake.Outcome.NOT_ESCALATED,
            conversation=conversation,
            rule=rule,
            detail=detail,
        )
    existing = _grouping_target(rule, contact, timezone.now()) if rule else None
    if existing is not None:
        ticket = services.ticket_add_conversation(
            ticket=existing,
            conversation=conversation,
            actor=actor,
            rule=rule_ref(rule),
            grouped=True,
        )
        return IntakeResult(
            outcome=EscalationIntake.Outcome.ATTACHED,
            conversation=conversation,
            ticket=ticket,
            rule=rule,
            detail=f"Attached to {ticket.ref} by rule {rule.name!r}.",
        )
    return _open_ticket(
        workspace, actor, data, contact, conversation, lines, facts, rule
    )


def _open_ticket(
    workspace: Workspace,
    actor: Actor | None,
    data: IntakeInput,
    contact: Contact | None,
    conversation: Conversation,
    lines: list[summaries.Line],
    facts: Facts,
    rule: EscalationRule | None,
) -> IntakeResult:
    """The escalated ticket: rule fields, summary, Escalated event, routing."""
    summary = summaries.summarise(lines, question=data.question, reason=data.reason)
    priority = (
        (rule.priority if rule else None) or data.priority or Ticket.Priority.MEDIUM
    )
    team = rule.team if rule else None
    # Routed before the insert (the team row stays locked until the intake
    # commits): the ticket is created assigned, with its ASSIGNED event.
    assignee, routed = None, []
    if team is not None and (picked := routing.route_new(team)):
        assignee, routed = picked[0], [picked[1]]
    ticket = services.ticket_create(
        workspace=workspace,
        actor=actor,
        subject=_subject(data),
        content=data.question,
        priority=priority,
        assignee=assignee,
        team=team,
        requester=contact,
        label=rule.label if rule else None,
        tags=rule.tags if rule else (),
        source=Ticket.Source.AI_ESCALATION,
        primary_conversation=conversation,
        escalation_rule=rule,
        topic=data.topic,
        intent=data.intent,
        channel=facts.channel,
        question=data.question,
        answer=data.answer,
        ai_raw_response=data.ai_raw_response,
        confidence=data.confidence,
        governance_reason=data.reason,
        summary=summary.text,
        summary_by=summary.by,
        then=[_escalated(rule, data, conversation), *routed],
    )
    return IntakeResult(
        outcome=EscalationIntake.Outcome.CREATED,
        conversation=conversation,
        ticket=ticket,
        rule=rule,
        detail=_created_detail(rule, explicit=data.escalate),
    )


def _escalated(
    rule: EscalationRule | None, data: IntakeInput, conversation: Conversation
) -> tuple[str, dict]:
    """The ESCALATED event, recorded with the ticket's creation."""
    return TicketEvent.Kind.ESCALATED, {
        "rule": rule_ref(rule),
        "explicit": data.escalate,
        "conversation": {
            "id": conversation.pk,
            "external_id": conversation.external_id,
        },
        "confidence": data.confidence,
        "reason": data.reason,
    }


def _created_detail(rule: EscalationRule | None, *, explicit: bool) -> str:
    if rule is None:
        return "Escalated on request (no rule matched)."
    if explicit:
        return f"Escalated on request; rule {rule.name!r} set its fields."
    return f"Escalated by rule {rule.name!r}."


def escalation_intake_prune(
    *, now: datetime | None = None, keep: timedelta = INTAKE_KEY_RETENTION
) -> int:
    """Forget idempotency claims older than `keep` (a retry after that is a new
    escalation); returns how many were deleted. Safe to run twice at once."""
    cutoff = (now or timezone.now()) - keep
    deleted, _ = EscalationIntake.objects.filter(created_at__lt=cutoff).delete()
    return deleted

"""Escalation intake: how the AI agent's hand-overs become tickets.

`escalation_intake` takes one posted escalation: it validates the whole payload
before writing anything, claims the idempotency key, upserts the contact (by e-mail)
and the conversation (by external id), asks the workspace's escalation rules what to
do, and then opens a ticket (routed within its team), attaches the conversation to
the requester's matching active ticket, or records that nothing was escalated.

Also here: escalation rule writes and matching, customer messages on a conversation,
and opening a ticket from a conversation by hand.
"""

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from helpdesk.actors import AI_AGENT, CUSTOMER_ACTOR, Actor, actor_user
from helpdesk.lib.errors import DomainError
from helpdesk.models import Contact, Team, Workspace
from helpdesk.services import contact_upsert
from tickets import events, routing, services, summaries, workflow
from tickets.models import (
    Conversation,
    EscalationIntake,
    EscalationRule,
    Label,
    Message,
    Ticket,
    TicketEvent,
)

MAX_TRANSCRIPT_CHARS = 1_000_000
MAX_MESSAGES = 2_000
MAX_KEY_LENGTH = 255
MAX_RULE_LIST = 100
MAX_GROUP_DAYS = 365
# Seed vocabularies for priority: Low/Normal/High/Urgent and Low/Medium/High/Critical.
PRIORITY_WORDS = {
    "lowest": 1,
    "low": 2,
    "normal": 3,
    "medium": 3,
    "high": 4,
    "urgent": 5,
    "critical": 5,
}
DOMAIN = re.compile(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)


class IdempotencyKeyReused(DomainError):
    """The key was already used for a different request."""

    code = "idempotency_key_reused"
    status_code = 422


# --- the posted payload ---


@dataclass
class MessageInput:
    author_kind: str
    body: str
    sent_at: datetime
    author_name: str = ""


@dataclass
class IntakeInput:
    """A validated escalation payload."""

    external_id: str
    channel: str
    contact_name: str
    contact_email: str
    contact_external_id: str
    started_at: datetime | None
    messages: list[MessageInput]
    question: str = ""
    answer: str = ""
    ai_raw_response: str = ""
    confidence: int | None = None
    topic: str = ""
    intent: str = ""
    reason: str = ""
    escalate: bool = False
    priority: int | None = None
    subject: str = ""
    event_id: str = ""


class _Errors:
    """Collects field errors under dotted names (conversation.messages.2.body)."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def text(
        self,
        data: dict,
        key: str,
        name: str,
        *,
        limit: int,
        required: bool = False,
    ) -> str:
        value = data.get(key)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.add(name, "Must be a string.")
            return ""
        value = value.strip()
        if required and not value:
            self.add(name, "This field is required.")
        elif len(value) > limit:
            self.add(name, f"At most {limit:,} characters (got {len(value):,}).")
        return value

    def when(self, data: dict, key: str, name: str, *, required: bool) -> datetime:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.add(name, "This field is required.")
            return None
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is None:
            self.add(name, f"{value!r} is not an ISO 8601 date and time.")
            return None
        if timezone.is_naive(parsed):
            self.add(name, "Give a time zone (e.g. 2026-01-31T09:30:00Z).")
            return None
        # Stored in UTC: databases refuse some offsets Python accepts (+16:51).
        return parsed.astimezone(UTC)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def parse_messages(raw: Any, name: str, errors: _Errors) -> list[MessageInput]:
    """Validated messages from a list of {author_kind, body, sent_at, author_name}."""
    if not isinstance(raw, list):
        errors.add(name, "Must be a list of messages.")
        return []
    if len(raw) > MAX_MESSAGES:
        errors.add(name, f"At most {MAX_MESSAGES:,} messages (got {len(raw):,}).")
        return []
    total = sum(
        len(item["body"])
        for item in raw
        if isinstance(item, dict) and isinstance(item.get("body"), str)
    )
    if total > MAX_TRANSCRIPT_CHARS:
        errors.add(
            name,
            f"The transcript is {total:,} characters; "
            f"the limit is {MAX_TRANSCRIPT_CHARS:,}.",
        )
        return []
    messages = []
    for index, item in enumerate(raw):
        prefix = f"{name}.{index}"
        if not isinstance(item, dict):
            errors.add(prefix, "Must be an object.")
            continue
        kind = item.get("author_kind")
        if kind not in Message.AuthorKind.values:
            errors.add(
                f"{prefix}.author_kind",
                f"Unknown author kind {kind!r}; "
                f"choose one of {', '.join(Message.AuthorKind.values)}.",
            )
        body = errors.text(
            item, "body", f"{prefix}.body", limit=services.MAX_TEXT, required=True
        )
        author_name = errors.text(
            item, "author_name", f"{prefix}.author_name", limit=200
        )
        sent_at = errors.when(item, "sent_at", f"{prefix}.sent_at", required=True)
        if kind in Message.AuthorKind.values and body and sent_at:
            messages.append(
                MessageInput(
                    author_kind=kind,
                    body=body,
                    sent_at=sent_at,
                    author_name=author_name,
                )
            )
    return messages


def _priority(value: Any, errors: _Errors, name: str = "priority") -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().lower() in PRIORITY_WORDS:
        return PRIORITY_WORDS[value.strip().lower()]
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
        return value
    errors.add(
        name,
        f"Priority must be 1-5 or one of {', '.join(PRIORITY_WORDS)}; got {value!r}.",
    )
    return None


def parse_intake(payload: Any) -> IntakeInput:
    """The validated escalation, or ValidationError naming every bad field."""
    errors = _Errors()
    if not isinstance(payload, dict):
        raise ValidationError({"non_field_errors": ["Send a JSON object."]})
    conv = payload.get("conversation")
    if conv is None:
        errors.add("conversation", "This field is required.")
        conv = {}
    elif not isinstance(conv, dict):
        errors.add("conversation", "Must be an object.")
        conv = {}
    contact = conv.get("contact") or {}
    if not isinstance(contact, dict):
        errors.add("conversation.contact", "Must be an object with name and email.")
        contact = {}
    email = errors.text(contact, "email", "conversation.contact.email", limit=254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.add(
                "conversation.contact.email",
                f"{email!r} is not a valid e-mail address.",
            )
    confidence = payload.get("confidence")
    if confidence is not None and (
        isinstance(confidence, bool)
        or not isinstance(confidence, int)
        or not 0 <= confidence <= 100
    ):
        errors.add(
            "confidence", f"Must be a whole number from 0 to 100, got {confidence!r}."
        )
        confidence = None
    escalate = payload.get("escalate", False)
    if escalate is None:
        escalate = False
    if not isinstance(escalate, bool):
        errors.add("escalate", "Must be true or false.")
        escalate = False
    external_id = ""
    if "conversation" not in errors.errors:
        external_id = errors.text(
            conv, "external_id", "conversation.external_id", limit=200, required=True
        )
    data = IntakeInput(
        external_id=external_id,
        channel=errors.text(conv, "channel", "conversation.channel", limit=50),
        contact_name=errors.text(
            contact, "name", "conversation.contact.name", limit=200
        ),
        contact_email=email,
        contact_external_id=errors.text(
            contact, "external_id", "conversation.contact.external_id", limit=200
        ),
        started_at=errors.when(
            conv, "started_at", "conversation.started_at", required=False
        ),
        messages=parse_messages(
            conv.get("messages", []), "conversation.messages", errors
        ),
        question=errors.text(payload, "question", "question", limit=services.MAX_TEXT),
        answer=errors.text(payload, "answer", "answer", limit=services.MAX_TEXT),
        ai_raw_response=errors.text(
            payload, "ai_raw_response", "ai_raw_response", limit=services.MAX_TEXT
        ),
        confidence=confidence,
        topic=errors.text(payload, "topic", "topic", limit=100),
        intent=errors.text(payload, "intent", "intent", limit=100),
        reason=errors.text(payload, "reason", "reason", limit=300),
        escalate=escalate,
        priority=_priority(payload.get("priority"), errors),
        subject=errors.text(
            payload, "subject", "subject", limit=Ticket.SUBJECT_MAX_LENGTH
        ),
        event_id=errors.text(payload, "event_id", "event_id", limit=200),
    )
    errors.raise_if_any()
    return data


# --- escalation rules ---


@dataclass(frozen=True)
class Facts:
    """What the rules look at."""

    confidence: int | None = None
    channel: str = ""
    topic: str = ""
    intent: str = ""
    question: str = ""
    transcript: str = ""
    email: str = ""


def _in(value: str, options: Iterable[str]) -> bool:
    value = value.strip().casefold()
    return any(value == option.strip().casefold() for option in options)


def _keyword_pattern(keyword: str) -> re.Pattern:
    words = [re.escape(w) for w in keyword.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def _domain_matches(email: str, domains: Iterable[str]) -> bool:
    if "@" not in email:
        return False
    domain = email.rsplit("@", 1)[1].casefold()
    for option in domains:
        option = option.strip().casefold().lstrip("@")
        if domain == option or domain.endswith("." + option):
            return True
    return False


def rule_matches(rule: EscalationRule, facts: Facts) -> bool:
    """Whether every condition the rule sets holds for `facts`."""
    if rule.confidence_below is not None and (
        facts.confidence is None or not facts.confidence < rule.confidence_below
    ):
        return False
    if rule.confidence_above is not None and (
        facts.confidence is None or not facts.confidence > rule.confidence_above
    ):
        return False
    if rule.channels and not _in(facts.channel, rule.channels):
        return False
    if rule.topics and not _in(facts.topic, rule.topics):
        return False
    if rule.intents and not _in(facts.intent, rule.intents):
        return False
    if rule.keywords:
        text = facts.question + "\n" + facts.transcript
        if not any(_keyword_pattern(k).search(text) for k in rule.keywords if k):
            return False
    return not (
        rule.email_domains and not _domain_matches(facts.email, rule.email_domains)
    )


def rule_for(workspace: Workspace, facts: Facts) -> EscalationRule | None:
    """The workspace's first active rule, by position, whose conditions match."""
    rules = EscalationRule.objects.filter(
        workspace=workspace, is_active=True
    ).select_related("team", "label__parent")
    for rule in rules.order_by("position", "id"):
        if rule_matches(rule, facts):
            return rule
    return None


# The editable fields of an escalation rule, in form order (admin, API, services).
RULE_FIELDS = (
    "name",
    "position",
    "is_active",
    "confidence_below",
    "confidence_above",
    "channels",
    "topics",
    "intents",
    "keywords",
    "email_domains",
    "escalate",
    "priority",
    "team",
    "tags",
    "label",
    "group_within_days",
)
RULE_LISTS = ("channels", "topics", "intents", "keywords", "email_domains", "tags")


def _scoped_object(model, workspace: Workspace, value: Any, name: str, errors: _Errors):
    """`value` (an instance or a primary key) as a row of `workspace`, or None."""
    if value is None or value == "":
        return None
    pk = value.pk if isinstance(value, model) else value
    if isinstance(pk, bool) or not isinstance(pk, int | str):
        errors.add(name, f"That {name} does not exist in this workspace.")
        return None
    try:
        return model.objects.get(workspace=workspace, pk=int(pk))
    except (ValueError, model.DoesNotExist):
        errors.add(name, f"That {name} does not exist in this workspace.")
        return None


def _check_rule(
    workspace: Workspace, values: dict[str, Any], current: EscalationRule | None
) -> dict[str, Any]:
    """Normalised rule fields, or ValidationError naming every bad field."""
    unknown = set(values) - set(RULE_FIELDS)
    errors = _Errors()
    for name in sorted(unknown):
        errors.add(name, "Unknown field.")
    clean: dict[str, Any] = {}
    if "name" in values or current is None:
        clean["name"] = errors.text(values, "name", "name", limit=100, required=True)
    if "position" in values:
        position = values["position"]
        if isinstance(position, bool) or not isinstance(position, int) or position < 0:
            errors.add("position", "Must be a whole number, 0 or more.")
        clean["position"] = position
    for name in ("is_active", "escalate"):
        if name in values:
            if not isinstance(values[name], bool):
                errors.add(name, "Must be true or false.")
            clean[name] = values[name]
    for name in ("confidence_below", "confidence_above"):
        if name in values:
            value = values[name]
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not 0 <= value <= 100
            ):
                errors.add(name, "Must be a whole number from 0 to 100, or empty.")
            clean[name] = value
    for name in RULE_LISTS:
        if name in values:
            items = values[name] if values[name] is not None else []
            if not isinstance(items, list) or not all(
                isinstance(i, str) for i in items
            ):
                errors.add(name, "Must be a list of strings.")
                continue
            items = [" ".join(i.split()) for i in items if i.strip()]
            if len(items) > MAX_RULE_LIST or any(len(i) > 100 for i in items):
                errors.add(
                    name, f"At most {MAX_RULE_LIST} items of at most 100 characters."
                )
            clean[name] = list(dict.fromkeys(items))
    if "email_domains" in clean:
        clean["email_domains"] = [d.lower().lstrip("@") for d in clean["email_domains"]]
        bad = [d for d in clean["email_domains"] if not DOMAIN.match(d)]
        if bad:
            errors.add("email_domains", f"Not a domain: {', '.join(bad)}.")
    if "tags" in clean:
        try:
            clean["tags"] = services.normalize_tag_names(clean["tags"])
        except ValidationError as exc:
            for message in exc.message_dict.get("tags", []):
                errors.add("tags", message)
    if "priority" in values:
        clean["priority"] = _priority(values["priority"], errors)
    if "team" in values:
        clean["team"] = _scoped_object(Team, workspace, values["team"], "team", errors)
    if "label" in values:
        clean["label"] = _scoped_object(
            Label, workspace, values["label"], "label", errors
        )
    if "group_within_days" in values:
        days = values["group_within_days"]
        if days is not None and (
            isinstance(days, bool)
            or not isinstance(days, int)
            or not 1 <= days <= MAX_GROUP_DAYS
        ):
            errors.add(
                "group_within_days", f"Must be 1 to {MAX_GROUP_DAYS} days, or empty."
            )
        clean["group_within_days"] = days
    if not errors.errors:

        def final(name):
            return clean.get(name, getattr(current, name, None))

        below, above = final("confidence_below"), final("confidence_above")
        if below is not None and above is not None and below <= above:
            errors.add(
                "confidence_below",
                "Confidence cannot be both below "
                f"{below} and above {above}; the rule would never match.",
            )
        if final("group_within_days") and final("label") is None:
            errors.add(
                "group_within_days",
                "Grouping needs a label: tickets are grouped by requester and label.",
            )
    errors.raise_if_any()
    return clean


def escalation_rule_create(
    *, workspace: Workspace, actor: Actor | None, values: dict[str, Any]
) -> EscalationRule:
    """Add a rule from `values` (the fields of RULE_FIELDS; team and label as rows
    or ids of the workspace); without a position it goes last."""
    clean = _check_rule(workspace, values, None)
    with transaction.atomic():
        if "position" not in clean:
            last = (
                EscalationRule.objects.filter(workspace=workspace)
                .order_by("-position")
                .values_list("position", flat=True)
                .first()
            )
            clean["position"] = 0 if last is None else last + 1
        return EscalationRule.objects.create(workspace=workspace, **clean)


def escalation_rule_update(
    *, rule: EscalationRule, actor: Actor | None, changes: dict[str, Any]
) -> EscalationRule:
    clean = _check_rule(rule.workspace, changes, rule)
    with transaction.atomic():
        rule = EscalationRule.objects.select_for_update().get(pk=rule.pk)
        for name, value in clean.items():
            setattr(rule, name, value)
        rule.save()
    return rule


def escalation_rule_delete(*, rule: EscalationRule, actor: Actor | None) -> None:
    """Delete a rule; tickets it decided keep their other fields."""
    rule.delete()


# --- conversations and customer messages ---


def _message_key(kind: str, body: str, sent_at: datetime) -> tuple:
    return (kind, body, sent_at.astimezone(UTC).replace(microsecond=0))


def _append_messages(
    conversation: Conversation, messages: Iterable[MessageInput]
) -> list[Message]:
    """Save the messages the conversation does not have yet (same author kind, body
    and time to the second), so a re-posted transcript adds only what is new."""
    existing = {
        _message_key(kind, body, sent_at)
        for kind, body, sent_at in conversation.messages.values_list(
            "author_kind", "body", "sent_at"
        )
    }
    new = []
    for m in messages:
        key = _message_key(m.author_kind, m.body, m.sent_at)
        if key in existing:
            continue
        existing.add(key)
        new.append(
            Message(
                conversation=conversation,
                author_kind=m.author_kind,
                author_name=m.author_name,
                body=m.body,
                sent_at=m.sent_at,
            )
        )
    return Message.objects.bulk_create(new)


def _tickets_fed_by(conversation: Conversation) -> list[Ticket]:
    # Two indexed lookups: an OR across the join would scan every ticket.
    primary = Ticket.objects.filter(primary_conversation=conversation)
    associated = Ticket.objects.filter(associated_conversations=conversation)
    tickets = {ticket.pk: ticket for ticket in [*primary, *associated]}
    return [tickets[pk] for pk in sorted(tickets)]


def _customer_replied(
    conversation: Conversation, added: list[Message], actor: Actor | None
) -> list[Ticket]:
    """After customer messages: a CUSTOMER_REPLIED event on every ticket the
    conversation feeds; waiting-on-contact tickets reopen and snoozed ones wake."""
    from_contact = [m for m in added if m.author_kind == Message.AuthorKind.CONTACT]
    if not from_contact:
        return []
    touched = []
    for ticket in _tickets_fed_by(conversation):
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
            events.record(
                ticket,
                TicketEvent.Kind.CUSTOMER_REPLIED,
                actor,
                conversation={
                    "id": conversation.pk,
                    "external_id": conversation.external_id,
                },
                messages=len(from_contact),
                excerpt=from_contact[-1].body[:200],
                sent_at=from_contact[-1].sent_at.isoformat(),
            )
            if ticket.status == workflow.Status.WAITING_ON_CONTACT:
                ticket = services.ticket_change_status(
                    ticket=ticket, to=workflow.Status.OPEN, actor=actor
                )
            if ticket.snoozed_until is not None:
                ticket = services.ticket_unsnooze(ticket=ticket, actor=actor)
        touched.append(ticket)
    return touched


@dataclass
class MessagesResult:
    conversation: Conversation
    added: list[Message]
    tickets: list[Ticket] = field(default_factory=list)


def conversation_add_messages(
    *,
    conversation: Conversation,
    messages: Any,
    actor: Actor | None = CUSTOMER_ACTOR,
) -> MessagesResult:
    """Append messages (dicts of author_kind, body, sent_at, author_name).

    Messages already in the conversation are skipped. Each new customer message is
    announced on the tickets the conversation feeds (see `_customer_replied`).
    """
    errors = _Errors()
    parsed = parse_messages(messages, "messages", errors)
    if not errors.errors and not parsed:
        errors.add("messages", "Send at least one message.")
    errors.raise_if_any()
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        added = _append_messages(conversation, parsed)
        tickets = _customer_replied(conversation, added, actor)
    return MessagesResult(conversation=conversation, added=added, tickets=tickets)


def conversation_upsert(
    *, workspace: Workspace, data: IntakeInput, contact: Contact | None
) -> tuple[Conversation, list[Message]]:
    """The workspace's conversation with this external id (created if new, its
    contact filled in if it had none), and the messages newly added to it."""
    for _attempt in range(2):
        conversation = (
            Conversation.objects.select_for_update()
            .filter(workspace=workspace, external_id=data.external_id)
            .first()
        )
        if conversation is not None:
            changed = []
            if contact is not None and conversation.contact_id is None:
                conversation.contact = contact
                changed.append("contact")
            if data.channel and not conversation.channel:
                conversation.channel = data.channel
                changed.append("channel")
            if changed:
                conversation.save(update_fields=changed)
            return conversation, _append_messages(conversation, data.messages)
        started = data.started_at or min(
            (m.sent_at for m in data.messages), default=timezone.now()
        )
        try:
            with transaction.atomic():
                conversation = Conversation.objects.create(
                    workspace=workspace,
                    channel=data.channel,
                    external_id=data.external_id,
                    contact=contact,
                    handled_by=Conversation.HandledBy.AI,
                    started_at=started,
                )
        except IntegrityError:
            continue  # created by a concurrent intake: read it back
        return conversation, _append_messages(conversation, data.messages)
    raise ValidationError(
        {"conversation.external_id": ["Could not save the conversation; try again."]}
    )


# --- the intake ---


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
    return hashlib.sha256(canonical.encode()).hexdigest()


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
            return summaries._clip(line, Ticket.SUBJECT_MAX_LENGTH)
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


def _rule_ref(rule: EscalationRule | None) -> dict | None:
    return None if rule is None else {"id": rule.pk, "name": rule.name}


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
    with transaction.atomic():
        # The claim: a concurrent post with this key blocks on the unique index
        # until this transaction ends, then replays what it stored.
        try:
            with transaction.atomic():
                claim = EscalationIntake.objects.create(
                    workspace=workspace, key=key, request_hash=request_hash
                )
        except IntegrityError:
            claim = EscalationIntake.objects.select_related(
                "ticket__workspace", "conversation", "rule"
            ).get(workspace=workspace, key=key)
            return _replay(claim, request_hash)
        result = _escalate(workspace=workspace, actor=actor, data=data)
        claim.outcome = result.outcome
        claim.ticket = result.ticket
        claim.conversation = result.conversation
        claim.rule = result.rule
        claim.detail = result.detail[:300]
        claim.save(
            update_fields=["outcome", "ticket", "conversation", "rule", "detail"]
        )
    return result


def _escalate(
    *, workspace: Workspace, actor: Actor | None, data: IntakeInput
) -> IntakeResult:
    contact = None
    if data.contact_email or data.contact_external_id:
        contact = contact_upsert(
            workspace=workspace,
            email=data.contact_email,
            name=data.contact_name,
            external_id=data.contact_external_id,
        )
    conversation, added = conversation_upsert(
        workspace=workspace, data=data, contact=contact
    )
    _customer_replied(conversation, added, CUSTOMER_ACTOR)
    contact = contact or conversation.contact
    lines = summaries.lines_of(conversation)  # the whole thread, not just this post
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
    now = timezone.now()
    existing = _grouping_target(rule, contact, now) if rule else None
    if existing is not None:
        ticket = services.ticket_add_conversation(
            ticket=existing,
            conversation=conversation,
            actor=actor,
            rule=_rule_ref(rule),
            grouped=True,
        )
        return IntakeResult(
            outcome=EscalationIntake.Outcome.ATTACHED,
            conversation=conversation,
            ticket=ticket,
            rule=rule,
            detail=f"Attached to {ticket.ref} by rule {rule.name!r}.",
        )
    summary = summaries.summarise(lines, question=data.question, reason=data.reason)
    priority = (
        (rule.priority if rule else None) or data.priority or Ticket.Priority.MEDIUM
    )
    ticket = services.ticket_create(
        workspace=workspace,
        actor=actor,
        subject=_subject(data),
        content=data.question,
        priority=priority,
        assignee=None,
        team=rule.team if rule else None,
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
    )
    events.record(
        ticket,
        TicketEvent.Kind.ESCALATED,
        actor,
        rule=_rule_ref(rule),
        explicit=data.escalate,
        conversation={"id": conversation.pk, "external_id": conversation.external_id},
        confidence=data.confidence,
        reason=data.reason,
    )
    ticket = routing.ticket_route(ticket=ticket)
    if rule is None:
        detail = "Escalated on request (no rule matched)."
    elif data.escalate:
        detail = f"Escalated on request; rule {rule.name!r} set its fields."
    else:
        detail = f"Escalated by rule {rule.name!r}."
    return IntakeResult(
        outcome=EscalationIntake.Outcome.CREATED,
        conversation=conversation,
        ticket=ticket,
        rule=rule,
        detail=detail,
    )


INTAKE_KEY_RETENTION = timedelta(days=7)


def escalation_intake_prune(
    *, now: datetime | None = None, keep: timedelta = INTAKE_KEY_RETENTION
) -> int:
    """Forget idempotency claims older than `keep` (a retry after that is a new
    escalation); returns how many were deleted. Safe to run twice at once."""
    cutoff = (now or timezone.now()) - keep
    deleted, _ = EscalationIntake.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# --- tickets from a conversation, by hand ---


def ticket_create_from_conversation(
    *,
    conversation: Conversation,
    actor: Actor | None,
    subject: str = "",
    priority: int = Ticket.Priority.MEDIUM,
    team: Team | None = None,
    label: Label | None = None,
    tags: Iterable[str] = (),
    assignee: Any = services.UNSET,
) -> Ticket:
    """Open a ticket on a conversation (one conversation may spawn several).

    The conversation becomes the ticket's primary one and its contact the requester;
    the summary is written from the transcript; the subject defaults to the
    customer's first words. Like any manual ticket it is assigned to its creator
    unless an assignee (or None) is given.
    """
    lines = summaries.lines_of(conversation)
    if not subject.strip():
        first = next(
            (ln.body for ln in lines if ln.author_kind == Message.AuthorKind.CONTACT),
            "",
        )
        subject = summaries._clip(" ".join(first.split()), Ticket.SUBJECT_MAX_LENGTH)
        subject = (
            subject or f"Conversation {conversation.external_id or conversation.pk}"
        )
    summary = summaries.summarise(lines)
    return services.ticket_create(
        workspace=conversation.workspace,
        actor=actor,
        subject=subject,
        priority=priority,
        assignee=assignee,
        team=team,
        label=label,
        tags=tags,
        requester=conversation.contact,
        primary_conversation=conversation,
        channel=conversation.channel,
        summary=summary.text,
        summary_by=summary.by,
    )

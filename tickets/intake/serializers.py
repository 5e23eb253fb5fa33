"""The intake's input: the escalation payload, customer messages and escalation rules.

These serializers are the only validation of what the AI agent, the API and the
admin send, and (through drf-spectacular) the OpenAPI schema of the endpoints that
take it, so the documentation cannot drift from what is accepted. Services call
`validated()`, which reports every bad field under its dotted name
(`conversation.messages.2.body`) as a Django ValidationError; the API answers it as
`400 {"code": "invalid", "errors": {...}}`.
"""

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from rest_framework import serializers

from helpdesk.lib.errors import flatten_errors
from helpdesk.models import Team
from tickets import services
from tickets.attachments import AttachmentRefused, CheckedAttachment, attachment_check
from tickets.conversations import MessageInput
from tickets.intake.fields import (
    DOMAIN,
    STRIPPED,
    AwareDateTime,
    Boolean,
    Email,
    Integer,
    Priority,
    Text,
    WorkspaceRow,
)
from tickets.intake.fields import JsonObject as _Object
from tickets.intake.tool_calls import ToolCallSerializer, message_size
from tickets.models import Label, Message, Ticket

MAX_TRANSCRIPT_CHARS = 1_000_000
MAX_MESSAGES = 2_000
MAX_RULE_LIST = 100
# A message's file, base64 in JSON: small enough that a request with one stays under
# Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB).
INTAKE_ATTACHMENT_MAX_BYTES = 1536 * 1024
MAX_GROUP_DAYS = 365
CONFIDENCE = "Must be a whole number from 0 to 100."
CONFIDENCE_OR_EMPTY = "Must be a whole number from 0 to 100, or empty."


def validated(serializer_class, data: Any, **kwargs) -> Any:
    """`data` validated by `serializer_class`, or a Django ValidationError naming
    every bad field by its dotted path. The context carries `received_at`: the
    time of receipt, given to messages sent without `sent_at`."""
    kwargs.setdefault("context", {})
    kwargs["context"].setdefault("received_at", timezone.now())
    serializer = serializer_class(data=data, **kwargs)
    if not serializer.is_valid():
        raise ValidationError(flatten_errors(serializer.errors))
    return serializer.validated_data


# --- messages ---


class MessageAttachmentSerializer(_Object):
    """A file of a message: its name and its bytes in base64, checked like an
    upload (size, sniffed type, scan hook); a refusal names `data`."""

    name = Text(limit=255, required=True)
    data = serializers.CharField(trim_whitespace=False, allow_blank=False)

    def validate_data(self, value: str) -> bytes:
        limit = INTAKE_ATTACHMENT_MAX_BYTES
        if len(value) > (limit + 2) // 3 * 4 + 4:
            raise serializers.ValidationError(
                f"At most {limit // 1024} KB of file (base64 in JSON)."
            )
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError("Not valid base64.") from None

    def validate(self, attrs) -> CheckedAttachment:
        raw = attrs["data"]
        try:
            return attachment_check(
                name=attrs["name"],
                file=ContentFile(raw),
                size=len(raw),
                max_bytes=INTAKE_ATTACHMENT_MAX_BYTES,
            )
        except AttachmentRefused as exc:
            raise serializers.ValidationError({"data": [str(exc)]}) from None


class EscalationMessageSerializer(_Object):
    """One transcript message. Without `sent_at` it takes the time of receipt. A
    tool call is a message of author_kind `tool` with a `tool_call` (its body, if
    any, is a note; it defaults to the tool's name)."""

    author_kind = serializers.ChoiceField(
        Message.AuthorKind.choices,
        error_messages={
            "invalid_choice": "Unknown author kind {input!r}; choose one of "
            + ", ".join(Message.AuthorKind.values)
            + "."
        },
    )
    body = Text(limit=services.MAX_TEXT)
    author_name = Text(limit=200)
    sent_at = AwareDateTime(
        required=False,
        allow_null=True,
        help_text="When the message was sent; absent or null: the time of receipt.",
    )
    tool_call = ToolCallSerializer(
        required=False,
        allow_null=True,
        help_text="Only with author_kind `tool`: the call the AI agent made.",
    )

    attachments = serializers.ListField(
        child=MessageAttachmentSerializer(),
        required=False,
        max_length=10,
        help_text="Files of the message, base64, at most 1536 KB each.",
    )

    def validate(self, attrs) -> MessageInput:
        tool_call = attrs.get("tool_call")
        body = attrs.get("body", "")
        if attrs["author_kind"] == Message.AuthorKind.TOOL:
            if not tool_call:
                raise serializers.ValidationError(
                    {"tool_call": "A tool message needs its tool_call."}
                )
            body = body or tool_call["name"]
        elif tool_call:
            raise serializers.ValidationError(
                {"tool_call": "Only a message of author_kind tool has a tool_call."}
            )
        elif not body:
            raise serializers.ValidationError({"body": "This field is required."})
        return MessageInput(
            author_kind=attrs["author_kind"],
            body=body,
            sent_at=attrs.get("sent_at") or self.context["received_at"],
            author_name=attrs.get("author_name", ""),
            attachments=attrs.get("attachments", []),
            tool_call=tool_call or None,
        )


class MessageList(serializers.ListField):
    """A transcript: at most MAX_MESSAGES messages, MAX_TRANSCRIPT_CHARS in all."""

    default_error_messages = {
        "not_a_list": "Must be a list of messages.",
        "min_length": "Send at least one message.",
    }

    def __init__(self, **kwargs):
        super().__init__(
            child=EscalationMessageSerializer(), max_length=MAX_MESSAGES, **kwargs
        )

    def to_internal_value(self, data) -> list[MessageInput]:
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        if len(data) > MAX_MESSAGES:
            raise serializers.ValidationError(
                f"At most {MAX_MESSAGES:,} messages (got {len(data):,})."
            )
        total = sum(message_size(item) for item in data)
        if total > MAX_TRANSCRIPT_CHARS:
            raise serializers.ValidationError(
                f"The transcript is {total:,} characters; "
                f"the limit is {MAX_TRANSCRIPT_CHARS:,}."
            )
        return super().to_internal_value(data)


class CustomerMessagesSerializer(_Object):
    """Messages appended to a stored conversation (customer replies)."""

    messages = MessageList(min_length=1)


# --- the escalation ---


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
    stripped_characters: int = 0  # NULs and lone surrogates removed from texts


class EscalationContactSerializer(_Object):
    """The customer: upserted by e-mail, else by external id."""

    name = Text(limit=200)
    email = Email()
    external_id = Text(limit=200)


class EscalationConversationSerializer(_Object):
    """The chat: upserted by external id; only messages not stored yet are added."""

    external_id = Text(limit=200, required=True)
    channel = Text(limit=50)
    started_at = AwareDateTime(required=False, allow_null=True)
    contact = EscalationContactSerializer(required=False, allow_null=True)
    messages = MessageList(required=False)


class EscalationPayloadSerializer(_Object):
    """What the AI agent posts to escalate a conversation."""

    event_id = Text(limit=200)
    conversation = EscalationConversationSerializer()
    question = Text(limit=services.MAX_TEXT)
    answer = Text(limit=services.MAX_TEXT)
    ai_raw_response = Text(limit=services.MAX_TEXT)
    confidence = Integer(
        message=CONFIDENCE,
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
    )
    topic = Text(limit=100)
    intent = Text(limit=100)
    reason = Text(limit=300)
    escalate = Boolean(required=False)
    priority = Priority()
    subject = Text(limit=Ticket.SUBJECT_MAX_LENGTH)

    def validate(self, attrs) -> IntakeInput:
        conversation = attrs["conversation"]
        contact = conversation.get("contact") or {}
        return IntakeInput(
            external_id=conversation["external_id"],
            channel=conversation.get("channel", ""),
            contact_name=contact.get("name", ""),
            contact_email=contact.get("email", ""),
            contact_external_id=contact.get("external_id", ""),
            started_at=conversation.get("started_at"),
            messages=conversation.get("messages", []),
            question=attrs.get("question", ""),
            answer=attrs.get("answer", ""),
            ai_raw_response=attrs.get("ai_raw_response", ""),
            confidence=attrs.get("confidence"),
            topic=attrs.get("topic", ""),
            intent=attrs.get("intent", ""),
            reason=attrs.get("reason", ""),
            escalate=attrs.get("escalate", False),
            priority=attrs.get("priority"),
            subject=attrs.get("subject", ""),
            event_id=attrs.get("event_id", ""),
            stripped_characters=self.context.get(STRIPPED, 0),
        )


def parse_intake(payload: Any) -> IntakeInput:
    """The validated escalation, or ValidationError naming every bad field."""
    return validated(EscalationPayloadSerializer, payload)


def parse_messages(messages: Any) -> list[MessageInput]:
    """Validated customer messages (at least one), or ValidationError."""
    return validated(CustomerMessagesSerializer, {"messages": messages})["messages"]


class ConversationTicketSerializer(_Object):
    """A ticket opened by hand on a conversation (API). Without an assignee it is
    assigned to its creator; null leaves it unassigned."""

    subject = serializers.CharField(required=False, allow_blank=True, max_length=200)
    priority = serializers.IntegerField(required=False, min_value=1, max_value=5)
    team = WorkspaceRow(Team, "team")
    label = WorkspaceRow(Label, "label")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False
    )
    assignee = WorkspaceRow(
        get_user_model(),
        "assignee",
        scope="memberships__workspace",
        message="The assignee is not a member of this workspace.",
    )


# --- escalation rules ---


class Phrases(serializers.ListField):
    """A list of strings, each with its whitespace collapsed; blanks and repeats
    dropped; null is the empty list."""

    default_error_messages = {
        "not_a_list": "Must be a list of strings.",
        "too_many": f"At most {MAX_RULE_LIST} items of at most 100 characters.",
    }

    def __init__(self, **kwargs):
        super().__init__(
            child=serializers.CharField(max_length=100),
            max_length=MAX_RULE_LIST,
            required=False,
            allow_null=True,
            **kwargs,
        )

    def validate_empty_values(self, data):
        if data is None:
            return True, []
        return super().validate_empty_values(data)

    def to_internal_value(self, data) -> list[str]:
        if not isinstance(data, list) or not all(isinstance(i, str) for i in data):
            self.fail("not_a_list")
        items = [" ".join(i.split()) for i in data if i.strip()]
        if len(items) > MAX_RULE_LIST or any(len(i) > 100 for i in items):
            self.fail("too_many")
        return list(dict.fromkeys(items))


class EscalationRuleInputSerializer(_Object):
    """An escalation rule's editable fields (admin, API and services alike). Team
    and label are ids of the rule's workspace; another workspace's are refused with
    a field error. A change is checked against the stored rule."""

    name = Text(limit=100, required=True)
    position = Integer(
        message="Must be a whole number, 0 or more.", min_value=0, required=False
    )
    is_active = Boolean(null_is_false=False, required=False)
    confidence_below = Integer(
        message=CONFIDENCE_OR_EMPTY,
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
    )
    confidence_above = Integer(
        message=CONFIDENCE_OR_EMPTY,
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
    )
    channels = Phrases()
    topics = Phrases()
    intents = Phrases()
    keywords = Phrases()
    email_domains = Phrases()
    escalate = Boolean(null_is_false=False, required=False)
    priority = Priority()
    team = WorkspaceRow(Team, "team")
    tags = Phrases()
    label = WorkspaceRow(Label, "label")
    group_within_days = Integer(
        message=f"Must be 1 to {MAX_GROUP_DAYS} days, or empty.",
        min_value=1,
        max_value=MAX_GROUP_DAYS,
        required=False,
        allow_null=True,
    )

    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, dict) else []
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors = dict(exc.detail)
            errors.update({name: ["Unknown field."] for name in unknown})
            raise serializers.ValidationError(errors) from None
        if unknown:
            raise serializers.ValidationError(
                {name: ["Unknown field."] for name in unknown}
            )
        return values

    def validate_email_domains(self, domains: list[str]) -> list[str]:
        domains = [d.lower().lstrip("@") for d in domains]
        bad = [d for d in domains if not DOMAIN.match(d)]
        if bad:
            raise serializers.ValidationError(f"Not a domain: {', '.join(bad)}.")
        return domains

    def validate_tags(self, tags: list[str]) -> list[str]:
        try:
            return services.normalize_tag_names(tags)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict.get("tags")) from None

    def validate(self, attrs):
        def final(name):
            return attrs.get(name, getattr(self.instance, name, None))

        below, above = final("confidence_below"), final("confidence_above")
        if below is not None and above is not None and below <= above:
            raise serializers.ValidationError(
                {
                    "confidence_below": "Confidence cannot be both below "
                    f"{below} and above {above}; the rule would never match."
                }
            )
        if final("group_within_days") and final("label") is None:
            raise serializers.ValidationError(
                {
                    "group_within_days": "Grouping needs a label: tickets are "
                    "grouped by requester and label."
                }
            )
        return attrs


# The editable fields of an escalation rule, in form order (admin, API, services).
RULE_FIELDS = tuple(EscalationRuleInputSerializer().fields)

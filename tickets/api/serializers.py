"""API payloads. Output serializers list fields explicitly; input serializers check
shapes and resolve ids within the caller's workspace (another tenant's id is a field
error), then views hand the values to the services."""

from django.contrib.auth import get_user_model
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from helpdesk.actors import actor_label
from helpdesk.lib.api_input import StrictInput
from helpdesk.models import Contact, Membership, Team
from integrations.serializers import ExternalLinkSerializer
from sla.serializers import SlaClockSerializer
from tickets import selectors, workflow
from tickets.api.attachments import AttachmentSerializer
from tickets.api.fields import AssigneeField, RequesterField
from tickets.bulk import Action
from tickets.models import (
    Comment,
    Conversation,
    Label,
    Message,
    SavedView,
    Tag,
    Ticket,
    TicketEvent,
)
from tickets.selectors import COUNT_CAP

User = get_user_model()


# --- small nested shapes ---


class UserBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return actor_label(user)


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "name", "email", "external_id"]


class LabelSerializer(serializers.ModelSerializer):
    path = serializers.CharField(read_only=True)

    class Meta:
        model = Label
        fields = ["id", "name", "parent", "path"]


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name"]


class MemberSerializer(serializers.ModelSerializer):
    user = UserBriefSerializer()
    email = serializers.EmailField(source="user.email")

    class Meta:
        model = Membership
        fields = ["user", "email", "role", "is_available"]


# --- tickets ---


class TicketSerializer(serializers.ModelSerializer):
    """A ticket as a list row."""

    ref = serializers.CharField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    priority_label = serializers.CharField(
        source="get_priority_display", read_only=True
    )
    assignee = UserBriefSerializer(allow_null=True)
    team = TeamSerializer(allow_null=True)
    requester = ContactSerializer(allow_null=True)
    label = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    is_snoozed = serializers.BooleanField(read_only=True)
    sla = SlaClockSerializer(source="sla_targets", many=True, read_only=True)
    external_links = ExternalLinkSerializer(many=True, read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "number",
            "ref",
            "uuid",
            "subject",
            "status",
            "status_label",
            "priority",
            "priority_label",
            "assignee",
            "team",
            "requester",
            "label",
            "tags",
            "source",
            "topic",
            "intent",
            "channel",
            "snoozed_until",
            "is_snoozed",
            "created_at",
            "updated_at",
            "resolved_at",
            "version",
            "sla",
            "external_links",
        ]
        read_only_fields = fields

    def get_label(self, ticket) -> dict | None:
        if ticket.label is None:
            return None
        return {"id": ticket.label.pk, "path": ticket.label.path}

    def get_tags(self, ticket) -> list[str]:
        return [tag.name for tag in ticket.tags.all()]


class ConversationBriefSerializer(serializers.ModelSerializer):
    contact = ContactSerializer(allow_null=True)

    class Meta:
        model = Conversation
        fields = [
            "id",
            "channel",
            "external_id",
            "contact",
            "handled_by",
            "started_at",
            "ended_at",
        ]


class TicketDetailSerializer(TicketSerializer):
    """A ticket with everything the detail panel shows."""

    allowed_next_statuses = serializers.ListField(
        child=serializers.CharField(), read_only=True
    )
    escalation = serializers.SerializerMethodField()
    created_by = UserBriefSerializer(allow_null=True)
    primary_conversation = ConversationBriefSerializer(allow_null=True)
    associated_conversations = ConversationBriefSerializer(many=True)
    counts = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = [
            *TicketSerializer.Meta.fields,
            "content",
            "summary",
            "summary_by",
            "allowed_next_statuses",
            "escalation",
            "primary_conversation",
            "associated_conversations",
            "first_responded_at",
            "closed_at",
            "created_by",
            "counts",
        ]
        read_only_fields = fields

    def get_escalation(self, ticket) -> dict:
        return {
            "question": ticket.question,
            "answer": ticket.answer,
            "ai_raw_response": ticket.ai_raw_response,
            "confidence": ticket.confidence,
            "channel": ticket.channel,
            "governance_reason": ticket.governance_reason,
            "rule": {
                "id": ticket.escalation_rule.pk,
                "name": ticket.escalation_rule.name,
            }
            if ticket.escalation_rule
            else None,
        }

    def get_counts(self, ticket) -> dict:
        return {
            "comments": getattr(ticket, "comment_count", 0),
            "events": getattr(ticket, "event_count", 0),
            "conversations": len(ticket.associated_conversations.all())
            + (1 if ticket.primary_conversation_id else 0),
        }


class WorkspaceScopedMixin:
    """Scope the related-field querysets to the workspace in the context."""

    scoped_fields = {
        "team": lambda ws: Team.objects.filter(workspace=ws),
        "label": lambda ws: Label.objects.filter(workspace=ws),
        "primary_conversation": lambda ws: Conversation.objects.filter(workspace=ws),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        membership = self.context.get("membership")
        for name, queryset in self.scoped_fields.items():
            if name in self.fields:
                self.fields[name].queryset = (
                    queryset(membership.workspace)
                    if membership
                    else self.fields[name].queryset.none()
                )


def _related(model_qs, **kw):
    return serializers.PrimaryKeyRelatedField(
        queryset=model_qs, required=False, allow_null=True, **kw
    )


class TagNamesField(serializers.ListField):
    """Tag names in, tag names out (the browsable API renders its edit form from
    the ticket, whose `tags` is a related manager)."""

    def to_representation(self, data):
        if hasattr(data, "all"):
            data = [tag.name for tag in data.all()]
        return super().to_representation(data)


class TicketWriteSerializer(StrictInput, WorkspaceScopedMixin, serializers.Serializer):
    """Fields a client may set when creating or editing a ticket."""

    subject = serializers.CharField(max_length=Ticket.SUBJECT_MAX_LENGTH)
    content = serializers.CharField(
        required=False, allow_blank=True, max_length=100_000
    )
    summary = serializers.CharField(
        required=False, allow_blank=True, max_length=100_000
    )
    priority = serializers.ChoiceField(choices=Ticket.Priority.choices, required=False)
    assignee = AssigneeField()
    team = _related(Team.objects.none())
    requester = RequesterField()
    label = _related(Label.objects.none())
    topic = serializers.CharField(required=False, allow_blank=True, max_length=100)
    intent = serializers.CharField(required=False, allow_blank=True, max_length=100)
    channel = serializers.CharField(required=False, allow_blank=True, max_length=50)
    question = serializers.CharField(
        required=False, allow_blank=True, max_length=100_000
    )
    answer = serializers.CharField(required=False, allow_blank=True, max_length=100_000)
    confidence = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=100
    )
    tags = TagNamesField(
        child=serializers.CharField(max_length=50), required=False, max_length=50
    )


def _transition_hint(status) -> str:
    return (
        f"Move a ticket to {workflow.label(status)} with POST "
        ".../tickets/{ref}/transition/ "
        f'{{"status": "{status}"}}; it checks the workflow.'
    )


class TicketCreateSerializer(TicketWriteSerializer):
    status = serializers.ChoiceField(
        choices=workflow.ACTIVE_CHOICES,
        required=False,
        help_text="A new ticket starts active; resolve or close it afterwards "
        "with the transition verb.",
    )
    primary_conversation = _related(Conversation.objects.none())

    def to_internal_value(self, data):
        status = data.get("status") if hasattr(data, "get") else None
        later = set(workflow.Status.values) - {v for v, _ in workflow.ACTIVE_CHOICES}
        if isinstance(status, str) and status in later:
            raise ValidationError({"status": [_transition_hint(status)]})
        return super().to_internal_value(data)


class TicketUpdateSerializer(TicketWriteSerializer):
    subject = serializers.CharField(
        max_length=Ticket.SUBJECT_MAX_LENGTH, required=False
    )

    def unknown_field_message(self, name: str) -> str:
        if name == "status":
            return (
                "The status is not edited here: change it with POST "
                '.../tickets/{ref}/transition/ {"status": ...}, which checks '
                "the workflow (allowed_next_statuses)."
            )
        return super().unknown_field_message(name)


class TransitionSerializer(StrictInput, serializers.Serializer):
    status = serializers.ChoiceField(choices=workflow.Status.choices)
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=100_000
    )


class AssignSerializer(StrictInput, serializers.Serializer):
    assignee = AssigneeField(required=True)


class SnoozeSerializer(StrictInput, serializers.Serializer):
    until = serializers.DateTimeField()


class CommentSerializer(StrictInput, serializers.ModelSerializer):
    """A comment; post multipart with `files` (repeated) to attach files, and
    `macro` (an id) to apply a macro's field changes with it."""

    author = UserBriefSerializer(allow_null=True, read_only=True)
    mentions = serializers.SlugRelatedField(
        many=True, slug_field="username", read_only=True
    )
    attachments = AttachmentSerializer(many=True, read_only=True)
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        write_only=True,
        required=False,
        help_text="Files to attach (multipart/form-data, the field repeated).",
    )
    macro = serializers.IntegerField(
        write_only=True, required=False, allow_null=True, min_value=1
    )
    route = serializers.ChoiceField(
        choices=[("chat", "Chat"), ("email", "E-mail")],
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="A public reply's way to the customer; empty: the chat while "
        "it is live, else e-mail (see docs/channels.md).",
    )

    class Meta:
        model = Comment
        fields = [
            "id",
            "author",
            "author_label",
            "body",
            "is_public",
            "route",
            "mentions",
            "attachments",
            "files",
            "macro",
            "created_at",
        ]
        read_only_fields = ["id", "author", "author_label", "mentions", "created_at"]
        extra_kwargs = {"body": {"max_length": 100_000}}

    def validate_macro(self, value):
        if value is None:
            return None
        macro = (
            selectors.macros_for(membership=self.context["membership"])
            .filter(pk=value)
            .first()
        )
        if macro is None:
            raise serializers.ValidationError("No such macro in this workspace.")
        return macro


class EventSerializer(serializers.ModelSerializer):
    actor = UserBriefSerializer(allow_null=True)

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "actor", "actor_label", "data", "created_at"]
        read_only_fields = fields


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    type = serializers.CharField(help_text="+ created, ~ changed, - deleted")
    user = UserBriefSerializer(allow_null=True)
    reason = serializers.CharField(allow_null=True)
    changes = HistoryChangeSerializer(many=True)


class BulkSerializer(StrictInput, serializers.Serializer):
    action = serializers.ChoiceField(choices=[(a, a) for a in Action.ALL])
    tickets = serializers.ListField(
        child=serializers.CharField(max_length=30),
        required=False,
        max_length=1000,
        help_text="Ticket numbers or refs. Give this or `filters`.",
    )
    filters = serializers.DictField(
        required=False,
        help_text="Select every ticket matching these list filters instead.",
    )
    params = serializers.DictField(
        required=False,
        help_text="status: {status, comment}; assign: {assignee}; priority: "
        "{priority}; add_tags/remove_tags: {tags}; snooze: {until}.",
    )

    def validate(self, data):
        if ("tickets" in data) == ("filters" in data):
            raise serializers.ValidationError(
                {"tickets": ["Give either `tickets` or `filters`."]}
            )
        return data


class BulkOutcomeSerializer(serializers.Serializer):
    ref = serializers.CharField()
    number = serializers.IntegerField()
    reason = serializers.CharField(required=False)


class BulkResultSerializer(serializers.Serializer):
    action = serializers.CharField()
    applied = BulkOutcomeSerializer(many=True)
    refused = BulkOutcomeSerializer(many=True)
    applied_count = serializers.IntegerField()
    refused_count = serializers.IntegerField()


class StatsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    capped = serializers.BooleanField(
        help_text=f"A count stopped at {COUNT_CAP:,}; `total` is then a lower bound."
    )


# --- conversations ---


class MessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = ["id", "author_kind", "author_name", "body", "tool_call", "sent_at"]
        read_only_fields = fields


class ConversationSerializer(ConversationBriefSerializer):
    messages = MessageSerializer(many=True)

    class Meta(ConversationBriefSerializer.Meta):
        fields = [*ConversationBriefSerializer.Meta.fields, "messages"]


# --- saved views ---


class SavedViewSerializer(StrictInput, serializers.ModelSerializer):
    owner = UserBriefSerializer(read_only=True)
    filters = serializers.DictField(required=False)

    class Meta:
        model = SavedView
        fields = [
            "id",
            "name",
            "filters",
            "is_shared",
            "is_pinned",
            "position",
            "owner",
            "created_at",
        ]
        read_only_fields = ["id", "owner", "created_at"]
        extra_kwargs = {"position": {"max_value": 100_000}}

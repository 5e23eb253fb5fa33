"""Conversations with a contact and their messages."""

from django.conf import settings
from django.db import models

from helpdesk.models import Contact, Workspace


class Conversation(models.Model):
    """A chat thread with a contact, handled by the AI agent or a human."""

    class HandledBy(models.TextChoices):
        AI = "ai", "AI agent"
        HUMAN = "human", "Human"

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="conversations"
    )
    channel = models.CharField(max_length=50, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
    )
    handled_by = models.CharField(
        max_length=10, choices=HandledBy.choices, default=HandledBy.AI
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            # The inbox: a workspace's conversations, newest first (cursor paging).
            models.Index(
                "workspace",
                models.F("started_at").desc(),
                models.F("id").desc(),
                name="conversation_inbox",
            ),
            # The inbox's open states (AI handled, escalated, handed to a human):
            # without it a rare state scanned every ended conversation.
            models.Index(
                "workspace",
                models.F("started_at").desc(),
                models.F("id").desc(),
                name="conversation_inbox_open",
                condition=models.Q(ended_at__isnull=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "external_id"],
                condition=~models.Q(external_id=""),
                name="uniq_conversation_external_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel or 'chat'} {self.external_id or self.pk}"


class Message(models.Model):
    """One message of a conversation."""

    class AuthorKind(models.TextChoices):
        CONTACT = "contact", "Contact"
        AI = "ai", "AI agent"
        AGENT = "agent", "Agent"
        SYSTEM = "system", "System"
        TOOL = "tool", "Tool call"

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    author_kind = models.CharField(max_length=10, choices=AuthorKind.choices)
    author_name = models.CharField(max_length=200, blank=True)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    body = models.TextField()
    # An AI tool call (author_kind "tool"): {"name", "arguments", "result", "status"},
    # validated by the intake (tickets.intake.serializers.ToolCallSerializer).
    tool_call = models.JSONField(null=True, blank=True)
    sent_at = models.DateTimeField()
    # The RFC 5322 Message-ID of the e-mail that carried this message (either way),
    # so a customer's answer threads back by In-Reply-To / References.
    email_message_id = models.CharField(max_length=255, blank=True)
    # The public reply this agent message carries to the transcript: the thread shows
    # the reply once, as the comment.
    comment = models.OneToOneField(
        "tickets.Comment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="transcript_message",
    )

    class Meta:
        ordering = ["sent_at", "id"]
        indexes = [
            models.Index(fields=["conversation", "sent_at"]),
            models.Index(
                fields=["email_message_id"],
                condition=~models.Q(email_message_id=""),
                name="message_email_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_author_kind_display()}: {self.body[:40]}"

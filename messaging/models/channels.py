"""The ways a public reply reaches the customer (a workspace's channels) and the
delivery of each reply through one of them."""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from helpdesk.models import Workspace
from integrations import urlsafety
from integrations.crypto import decrypt, encrypt
from tickets.models import Comment, Message, Ticket

MIN_SECRET = 16


class Channel(models.Model):
    """One workspace's chat callback or e-mail sender. The signing secret is stored
    encrypted and kept out of the field history."""

    class Kind(models.TextChoices):
        CHAT = "chat", "Chat callback"
        EMAIL = "email", "E-mail"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="channels"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    enabled = models.BooleanField(default=True)
    callback_url = models.CharField(
        max_length=500,
        blank=True,
        help_text="Chat: the https address each public reply is POSTed to.",
    )
    secret_encrypted = models.TextField(blank=True, editable=False)
    from_email = models.EmailField(
        blank=True, help_text="E-mail: the sender address (and Reply-To)."
    )
    from_name = models.CharField(max_length=100, blank=True)
    signature = models.TextField(
        blank=True, max_length=2000, help_text="E-mail: appended to every reply."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["secret_encrypted", "updated_at"])

    class Meta:
        ordering = ["workspace", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kind"], name="uniq_channel_kind_per_workspace"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.workspace_id}"

    @property
    def secret(self) -> str:
        return decrypt(self.secret_encrypted)

    def set_secret(self, value: str) -> None:
        self.secret_encrypted = encrypt(value)

    def secret_hint(self) -> str:
        """The secret as shown back: its last 4 characters."""
        return "••••" + self.secret[-4:] if self.secret_encrypted else ""

    def clean(self) -> None:
        if self.kind == self.Kind.CHAT:
            self._clean_chat()
        elif self.kind == self.Kind.EMAIL and not self.from_email:
            raise ValidationError({"from_email": ["Give the sender address."]})

    def _clean_chat(self) -> None:
        if not self.callback_url:
            raise ValidationError({"callback_url": ["Give the callback URL."]})
        try:
            urlsafety.check_callback_url(self.callback_url)
        except urlsafety.UnsafeURL as exc:
            raise ValidationError({"callback_url": [str(exc)]}) from None
        if len(self.secret) < MIN_SECRET:
            raise ValidationError(
                {"secret": [f"Give a signing secret of {MIN_SECRET}+ characters."]}
            )


class Delivery(models.Model):
    """One public reply on its way to the customer: written in the reply's own
    transaction, sent by the drain (messaging.delivery), retried until it goes."""

    class Route(models.TextChoices):
        CHAT = "chat", "Chat"
        EMAIL = "email", "E-mail"
        PLATFORM = "platform", "Synced platform"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        HANDED_OFF = "handed_off", "Sent by the synced platform"

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="deliveries"
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="deliveries"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="deliveries"
    )
    message = models.ForeignKey(
        Message,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    channel = models.ForeignKey(
        Channel,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    route = models.CharField(max_length=10, choices=Route.choices)
    # Replies to one conversation (chat) or one ticket (e-mail) go in order.
    thread_key = models.CharField(max_length=60)
    recipient = models.CharField(max_length=320, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    reason = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True)
    # What is sent, fixed when queued so every retry sends the same: the callback's
    # JSON body, or the e-mail's subject, threading headers and recipients.
    payload = models.JSONField(default=dict)
    email_message_id = models.CharField(max_length=255, blank=True)
    esp_message_id = models.CharField(max_length=255, blank=True)
    platform = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "deliveries"
        indexes = [
            # The drain: queued rows by thread, oldest first.
            models.Index(
                fields=["thread_key", "id"],
                condition=models.Q(state="queued"),
                name="delivery_queued_by_thread",
            ),
            # The "reply failed" ticket filter.
            models.Index(
                fields=["ticket"],
                condition=models.Q(state="failed"),
                name="delivery_failed_by_ticket",
            ),
            # Bounces find their delivery by the ESP's id or our Message-ID.
            models.Index(
                fields=["esp_message_id"],
                condition=~models.Q(esp_message_id=""),
                name="delivery_esp_message_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_route_display()} reply {self.comment_id}: {self.state}"

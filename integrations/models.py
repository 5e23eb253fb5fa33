"""Connections to external help desks, the links of our tickets to theirs, the outbox
of changes to push, every push attempt, and the webhook events already seen."""

import json
import secrets
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from helpdesk.models import Workspace
from integrations import registry, urlsafety
from integrations.crypto import decrypt, encrypt
from tickets.models import Comment, Ticket


def _new_webhook_secret() -> str:
    return encrypt(secrets.token_urlsafe(32))


# Connection fields kept out of its field history: every secret, and bookkeeping.
SECRET_FIELDS = ("credentials_encrypted", "webhook_secret_encrypted")
HISTORY_EXCLUDED = [
    *SECRET_FIELDS,
    "pull_cursor",
    "last_pulled_at",
    "last_pull_error",
    "last_pull_error_at",
    "backfill_cursor",
    "updated_at",
]


class Connection(models.Model):
    """One workspace's account on one platform. Secrets are stored encrypted."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="connections"
    )
    platform = models.CharField(max_length=20, choices=registry.choices)
    name = models.CharField(max_length=100, blank=True)
    subdomain = models.CharField(
        max_length=100,
        blank=True,
        help_text="Account subdomain, e.g. 'acme' for acme.zendesk.com.",
    )
    base_url = models.CharField(
        max_length=300,
        blank=True,
        help_text="Optional API base URL; https on the platform's own domain only.",
    )
    credentials_encrypted = models.TextField(blank=True, editable=False)
    webhook_secret_encrypted = models.TextField(
        default=_new_webhook_secret, editable=False
    )
    enabled = models.BooleanField(default=True)
    push_enabled = models.BooleanField(default=True)
    pull_enabled = models.BooleanField(default=True)
    rate_limit = models.PositiveIntegerField(
        default=0, help_text="Requests allowed per rate period (0: platform default)."
    )
    rate_period = models.PositiveIntegerField(
        default=0, help_text="Rate period in seconds (0: platform default)."
    )
    first_pull_hours = models.PositiveIntegerField(
        default=0,
        help_text="How far back the first pull looks, in hours (0: the "
        "SYNC_FIRST_PULL_HOURS setting). Older tickets: the sync_backfill command.",
    )
    # Text: a Gorgias cursor names the events already read on its timestamp.
    pull_cursor = models.TextField(blank=True, editable=False)
    last_pulled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_pull_error = models.TextField(blank=True, editable=False)
    last_pull_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    backfill_cursor = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Secrets never reach the history table (HISTORY_EXCLUDED); nor does the pull's
    # bookkeeping, which moves on every pull and is not configuration.
    history = HistoricalRecords(excluded_fields=HISTORY_EXCLUDED)

    class Meta:
        ordering = ["workspace", "platform", "id"]

    def __str__(self) -> str:
        return self.name or f"{self.get_platform_display()} ({self.subdomain})"

    # --- secrets ---

    @property
    def credentials(self) -> dict:
        raw = decrypt(self.credentials_encrypted)
        return json.loads(raw) if raw else {}

    def set_credentials(self, values: dict) -> None:
        self.credentials_encrypted = encrypt(json.dumps(values)) if values else ""

    def credentials_hint(self) -> dict:
        """The credentials as shown back: every secret masked to its last 4 chars."""
        shown = {}
        for key, value in self.credentials.items():
            text = str(value)
            if key in {"email", "user"}:
                shown[key] = text
            else:
                shown[key] = "••••" + text[-4:] if len(text) > 8 else "••••"
        return shown

    @property
    def webhook_secret(self) -> str:
        return decrypt(self.webhook_secret_encrypted)

    def set_webhook_secret(self, value: str) -> None:
        self.webhook_secret_encrypted = encrypt(value)

    # --- addresses and budget ---

    @property
    def api_base(self) -> str:
        if self.base_url:
            return self.base_url.rstrip("/")
        return urlsafety.default_base_url(self.platform, self.subdomain)

    @property
    def budget(self) -> tuple[int, int]:
        default_limit, default_period = registry.get(self.platform).rate_limit
        return (self.rate_limit or default_limit, self.rate_period or default_period)

    def clean(self) -> None:
        if self.platform not in registry.platforms():
            return  # the platform field's own error says so
        if not self.subdomain and not self.base_url:
            raise ValidationError({"subdomain": ["Give the account subdomain."]})
        try:
            urlsafety.check_url(self.api_base, self.platform)
        except urlsafety.UnsafeURL as exc:
            field = "base_url" if self.base_url else "subdomain"
            raise ValidationError({field: [str(exc)]}) from None


class ExternalLink(models.Model):
    """Our ticket's counterpart on one connection, and how its sync stands."""

    class State(models.TextChoices):
        SYNCED = "synced", "Synced"
        PENDING = "pending", "Pending"
        ERROR = "error", "Error"

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="external_links"
    )
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="links"
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="external_links"
    )
    platform = models.CharField(max_length=20, choices=registry.choices)
    remote_id = models.CharField(max_length=100, blank=True)
    remote_url = models.CharField(max_length=500, blank=True)
    remote_status = models.CharField(max_length=30, blank=True)
    remote_assignee_id = models.CharField(max_length=100, blank=True)
    # The platform's id of the requester we last applied: a new one is looked up.
    remote_requester_id = models.CharField(max_length=100, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    remote_updated_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PENDING
    )
    last_error = models.TextField(blank=True)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    lease_owner = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "ticket"], name="one_link_per_connection"
            )
        ]
        indexes = [models.Index(fields=["connection", "remote_id"])]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} #{self.remote_id or '?'}"


class CommentLink(models.Model):
    """A platform's comment (message, note) known on one connection: the one we
    pushed, the one we pulled, or the ticket's description (no comment of ours).
    A remote comment found here is never pulled again (no echo)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="comment_links"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    remote_id = models.CharField(max_length=100)
    pulled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "remote_id"], name="one_comment_link_per_remote"
            )
        ]

    def __str__(self) -> str:
        return f"comment {self.remote_id} on connection {self.connection_id}"


class SyncOp(models.Model):
    """One change to push (the outbox), written in the change's own transaction and
    delivered in id order per link."""

    class Kind(models.TextChoices):
        CREATE = "create", "Create"
        UPDATE = "update", "Update"
        COMMENT = "comment", "Comment"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="sync_ops"
    )
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="ops"
    )
    link = models.ForeignKey(ExternalLink, on_delete=models.CASCADE, related_name="ops")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    event_id = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    fields = models.JSONField(default=list, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["link", "state", "id"]),
            models.Index(fields=["state", "next_attempt_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.fields or ''} ({self.state})"


class SyncAttempt(models.Model):
    """One try at delivering an op: when, how long, and what came back."""

    class Outcome(models.TextChoices):
        OK = "ok", "Delivered"
        TRANSIENT = "transient", "Will retry"
        PERMANENT = "permanent", "Failed"

    op = models.ForeignKey(SyncOp, on_delete=models.CASCADE, related_name="tries")
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="attempts"
    )
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        # A connection's newest success and newest failure (its health).
        indexes = [models.Index(fields=["connection", "outcome", "started_at"])]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} at {self.started_at:%Y-%m-%d %H:%M:%S}"


class WebhookEvent(models.Model):
    """An inbound event already taken, so a redelivery changes nothing."""

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="webhook_events"
    )
    event_id = models.CharField(max_length=200)
    remote_id = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(max_length=30, blank=True)
    # What was fitted to our limits or not applied (integrations.normalise).
    warnings = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "event_id"], name="webhook_event_once"
            )
        ]

    def __str__(self) -> str:
        return self.event_id


class RateBucket(models.Model):
    """One token bucket of a connection's request budget (integrations.ratelimit),
    kept in the database so every worker shares it."""

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="rate_buckets"
    )
    group = models.CharField(max_length=50)
    tokens = models.FloatField()
    stamp = models.FloatField(help_text="When `tokens` was counted (Unix time).")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "group"], name="one_bucket_per_group"
            )
        ]

    def __str__(self) -> str:
        return f"{self.group} budget of {self.connection}"

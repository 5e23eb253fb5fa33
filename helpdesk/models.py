"""Tenancy and people: workspaces, their members, teams and contacts."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{value!r} is not an IANA time zone name.") from None


class Workspace(models.Model):
    """A tenant: every row a user can reach belongs to exactly one workspace."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=50, unique=True)
    ticket_prefix = models.CharField(
        max_length=10,
        default="TKT",
        validators=[
            RegexValidator(r"^[A-Za-z][A-Za-z0-9]*$", "Letters and digits only.")
        ],
    )
    timezone = models.CharField(
        max_length=64, default="UTC", validators=[validate_timezone]
    )
    # The counter row for ticket numbers: incremented inside the creating transaction
    # while the row is locked, so numbers are gap-free and race-free.
    next_number = models.PositiveIntegerField(default=1, editable=False)
    # A new random value whenever configuration that hot paths cache changes
    # (helpdesk.config_cache); random so a rolled-back change's value never returns.
    config_version = models.BigIntegerField(default=0, editable=False)
    settings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Membership(models.Model):
    """A user's place in a workspace, with the role that decides what they may do."""

    class Role(models.TextChoices):
        AGENT = "agent", "Agent"
        MANAGER = "manager", "Manager"
        ADMIN = "admin", "Admin"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.AGENT)
    # Routing only assigns to members who are available (not on leave, not offline).
    is_available = models.BooleanField(default=True)
    # Notifications are always listed in the app's notification centre; this says
    # whether they are also e-mailed (helpdesk.notifications.deliver_pending).
    email_notifications = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "workspace"], name="uniq_membership"
            )
        ]
        ordering = ["workspace", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.role})"

    @property
    def is_manager(self) -> bool:
        return self.role in {self.Role.MANAGER, self.Role.ADMIN}

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class Invitation(models.Model):
    """An admin's invitation to join a workspace with a role, accepted once through
    the e-mailed link before it expires; only the token's hash is stored."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(
        max_length=10, choices=Membership.Role.choices, default=Membership.Role.AGENT
    )
    # sha256 of the token in the link: a leaked table lets nobody in.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open invitation per address and workspace: inviting again
            # replaces it (helpdesk.invitations.invitation_create).
            models.UniqueConstraint(
                "workspace",
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="uniq_open_invitation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.workspace} ({self.role})"

    def state(self, now) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        return "expired" if self.expires_at <= now else "pending"


class Team(models.Model):
    """A named group of members; tickets may belong to a team."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="teams"
    )
    name = models.CharField(max_length=100)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="helpdesk_teams", blank=True
    )

    class Routing(models.TextChoices):
        NONE = "none", "Leave unassigned"
        ROUND_ROBIN = "round_robin", "Round-robin"
        LEAST_ACTIVE = "least_active", "Least active"

    # How tickets that land in the team are assigned (tickets.intake.routing).
    routing = models.CharField(
        max_length=20, choices=Routing.choices, default=Routing.NONE
    )
    # Round-robin pointer: the member who got the last ticket. Read and moved while
    # the team row is locked, so concurrent routing never hands out the same turn.
    routing_last_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Who joined or left is kept with each version (m2m_fields); the round-robin
    # pointer moves with every routed ticket and is not configuration.
    history = HistoricalRecords(
        excluded_fields=["routing_last_user"], m2m_fields=[members]
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "workspace", Lower("name"), name="uniq_team_name_per_workspace"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A requester: the customer a conversation and a ticket are about."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "email"]
        constraints = [
            models.UniqueConstraint(
                "workspace",
                Lower("email"),
                condition=~models.Q(email=""),
                name="uniq_contact_email_per_workspace",
            ),
            models.UniqueConstraint(
                fields=["workspace", "external_id"],
                condition=~models.Q(external_id=""),
                name="uniq_contact_external_id_per_workspace",
            ),
        ]

    def __str__(self) -> str:
        if self.name and self.email:
            return f"{self.name} <{self.email}>"
        return self.name or self.email or f"Contact {self.pk}"


class Notification(models.Model):
    """A notice to a member, written in the transaction of the change it announces:
    listed in the app's notification centre (unread until `read_at`) and e-mailed
    later by a worker (an outbox: nothing waits on Redis or SMTP) unless the member
    turned e-mail off or has no address (then `skipped`)."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", "Assigned to you"
        MENTIONED = "mentioned", "Mentioned"
        SLA_WARNING = "sla_warning", "SLA warning"
        SLA_BREACHED = "sla_breached", "SLA breached"
        WOKE = "woke", "Snooze ended"
        REPLY_FAILED = "reply_failed", "Reply not delivered"
        CUSTOMER_REPLIED = "customer_replied", "Customer replied"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Not e-mailed"

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="notifications"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="helpdesk_notifications",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # helpdesk.notifications.deliver_pending: unsent rows only, oldest first.
            models.Index(
                fields=["created_at"],
                name="notification_unsent",
                condition=models.Q(state__in=["pending", "sending"]),
            ),
            models.Index(fields=["recipient", "-created_at"]),
            # The bell's count: a member's unread notices.
            models.Index(
                fields=["recipient", "workspace"],
                name="notification_unread",
                condition=models.Q(read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient}: {self.subject}"


class IdempotencyKey(models.Model):
    """The stored answer to a creating POST sent with an `Idempotency-Key` header."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="idempotency_keys",
    )
    key = models.CharField(max_length=255)
    # sha256 of method, path and the canonical JSON body: the same key with another
    # request is refused.
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "user", "key"], name="uniq_idempotency_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.response_status})"

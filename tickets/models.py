"""Tickets and what hangs off them: conversations, comments, tags, labels, events."""

import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from helpdesk.models import Contact, Team, Workspace
from tickets import workflow
from tickets.refs import format_ref

# Ticket.next_breach_at of a ticket without a running or overdue SLA clock: after
# every real due time.
NO_BREACH = datetime(9999, 12, 31, tzinfo=UTC)


class Tag(models.Model):
    """A free-form tag, created on the fly the first time it is used."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="tags"
    )
    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "name"], name="uniq_tag_per_workspace"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Label(models.Model):
    """A classification; with a parent it is a sublabel (Billing > Refund)."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="labels"
    )
    name = models.CharField(max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )

    class Meta:
        ordering = ["parent__name", "name"]
        constraints = [
            models.UniqueConstraint(
                "workspace",
                "parent",
                Lower("name"),
                name="uniq_label_name_per_parent",
            ),
            models.UniqueConstraint(
                "workspace",
                Lower("name"),
                condition=models.Q(parent__isnull=True),
                name="uniq_root_label_name",
            ),
        ]

    def __str__(self) -> str:
        return self.path

    @property
    def path(self) -> str:
        """`Billing > Refund`; reads parents already loaded by select_related."""
        names = []
        label: Label | None = self
        while label is not None:
            names.append(label.name)
            label = label.parent
        return " > ".join(reversed(names))


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

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    author_kind = models.CharField(max_length=10, choices=AuthorKind.choices)
    author_name = models.CharField(max_length=200, blank=True)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    body = models.TextField()
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["sent_at", "id"]
        indexes = [models.Index(fields=["conversation", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.get_author_kind_display()}: {self.body[:40]}"


class Ticket(models.Model):
    """A unit of follow-up work, numbered per workspace (`TKT-42`)."""

    Status = workflow.Status

    class Priority(models.IntegerChoices):
        LOWEST = 1, "Lowest"
        LOW = 2, "Low"
        MEDIUM = 3, "Medium"
        HIGH = 4, "High"
        URGENT = 5, "Urgent"

    class Source(models.TextChoices):
        AI_ESCALATION = "ai_escalation", "AI escalation"
        AGENT = "agent", "Agent"
        API = "api", "API"
        IMPORT = "import", "Import"
        EXTERNAL = "external", "External platform"

    PRIORITY_COLOURS = {1: "grey", 2: "grey", 3: "blue", 4: "orange", 5: "red"}
    SUBJECT_MAX_LENGTH = 200

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="tickets"
    )
    number = models.PositiveIntegerField(editable=False)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subject = models.CharField(max_length=SUBJECT_MAX_LENGTH)
    content = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    summary_by = models.CharField(
        max_length=200, blank=True, help_text="Which summariser wrote the summary."
    )
    status = models.CharField(
        max_length=20, choices=workflow.Status.choices, default=workflow.Status.OPEN
    )
    priority = models.PositiveSmallIntegerField(
        choices=Priority.choices,
        default=Priority.MEDIUM,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    requester = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    label = models.ForeignKey(
        Label, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    topic = models.CharField(max_length=100, blank=True)
    intent = models.CharField(max_length=100, blank=True)
    source = models.CharField(
        max_length=20, choices=Source.choices, default=Source.AGENT, editable=False
    )
    # Escalation context: what the AI agent was asked, answered and how sure it was.
    question = models.TextField(blank=True)
    answer = models.TextField(blank=True)
    ai_raw_response = models.TextField(blank=True)
    confidence = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    channel = models.CharField(max_length=50, blank=True)
    governance_reason = models.CharField(max_length=300, blank=True)
    escalation_rule = models.ForeignKey(
        "EscalationRule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        help_text="The escalation rule that decided this ticket.",
    )
    primary_conversation = models.ForeignKey(
        Conversation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="primary_tickets",
    )
    associated_conversations = models.ManyToManyField(
        Conversation, blank=True, related_name="associated_tickets"
    )
    snoozed_until = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="created_tickets",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency: bumped by every service write; the API's ETag.
    version = models.PositiveIntegerField(default=1, editable=False)
    # The earliest due time of the ticket's SLA clocks that still run or are overdue
    # (neither fulfilled nor paused), NO_BREACH without one: the "Next SLA breach"
    # order. Kept by sla.services in the transaction of the change that moves a
    # clock; never null, so cursor pagination can order by it.
    next_breach_at = models.DateTimeField(
        default=NO_BREACH, db_default=NO_BREACH, editable=False
    )

    history = HistoricalRecords(
        excluded_fields=["updated_at", "version", "next_breach_at"],
        cascade_delete_history=False,
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "number"], name="uniq_ticket_number_per_workspace"
            ),
            models.CheckConstraint(
                condition=models.Q(priority__gte=1, priority__lte=5),
                name="ticket_priority_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=workflow.Status.values),
                name="ticket_status_known",
            ),
        ]
        indexes = [
            # The default list: newest first within a workspace.
            models.Index(
                fields=["workspace", "-created_at", "-id"], name="ticket_ws_created"
            ),
            # A status filter, newest first (the board's columns, status tabs).
            models.Index(
                fields=["workspace", "status", "-created_at", "-id"],
                name="ticket_ws_status_created",
            ),
            models.Index(
                fields=["workspace", "assignee", "status"], name="ticket_ws_assignee"
            ),
            # ?ordering=next_breach: soonest (or most overdue) SLA breach first.
            models.Index(
                fields=["workspace", "next_breach_at", "id"],
                name="ticket_ws_next_breach",
            ),
            # The snooze wake sweep reads only tickets with a wake time.
            models.Index(
                fields=["snoozed_until"],
                name="ticket_snoozed_due",
                condition=models.Q(snoozed_until__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.subject}"

    @property
    def ref(self) -> str:
        return format_ref(self.workspace.ticket_prefix, self.number)

    @property
    def priority_colour(self) -> str:
        return self.PRIORITY_COLOURS.get(self.priority, "grey")

    @property
    def status_colour(self) -> str:
        return workflow.STATUS_COLOURS.get(self.status, "grey")

    @property
    def allowed_next_statuses(self) -> list[str]:
        return workflow.allowed_next(self.status)

    @property
    def is_snoozed(self) -> bool:
        return self.snoozed_until is not None


class Comment(models.Model):
    """An agent's note on a ticket: internal (team only) or public (to the customer)."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ticket_comments",
    )
    author_label = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    is_public = models.BooleanField(default=False)
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="ticket_mentions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"])]

    def __str__(self) -> str:
        kind = "public" if self.is_public else "internal"
        return f"{kind} comment by {self.author_label}"


class TicketEvent(models.Model):
    """One entry of a ticket's timeline; kept after the ticket is deleted."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        ESCALATED = "escalated", "Escalated"
        STATUS_CHANGED = "status_changed", "Status changed"
        ASSIGNED = "assigned", "Assigned"
        PRIORITY_CHANGED = "priority_changed", "Priority changed"
        TEAM_CHANGED = "team_changed", "Team changed"
        LABEL_CHANGED = "label_changed", "Label changed"
        TAGS_CHANGED = "tags_changed", "Tags changed"
        COMMENTED = "commented", "Comment"
        METADATA_UPDATED = "metadata_updated", "Metadata updated"
        SNOOZED = "snoozed", "Snoozed"
        UNSNOOZED = "unsnoozed", "Unsnoozed"
        WOKE = "woke", "Woke up"
        CONVERSATION_ADDED = "conversation_added", "Conversation added"
        CUSTOMER_REPLIED = "customer_replied", "Customer replied"
        SLA_APPLIED = "sla_applied", "SLA applied"
        SLA_WARNING = "sla_warning", "SLA warning"
        SLA_BREACHED = "sla_breached", "SLA breached"
        SYNCED = "synced", "Synced"
        SYNC_FAILED = "sync_failed", "Sync failed"
        MERGED = "merged", "Merged"
        REVERTED = "reverted", "Reverted"
        DELETED = "deleted", "Deleted"

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="ticket_events"
    )
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    ticket_number = models.PositiveIntegerField()
    kind = models.CharField(max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(max_length=200)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"]),
            models.Index(fields=["workspace", "ticket_number"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.actor_label}"


class SavedView(models.Model):
    """A named set of list filters, personal or shared, maybe pinned to the sidebar."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="saved_views"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=100)
    filters = models.JSONField(default=dict, blank=True)
    is_shared = models.BooleanField(default=False)
    is_pinned = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class ExportJob(models.Model):
    """A large CSV export written in the background, with progress and a file."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="export_jobs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="export_jobs",
    )
    filters = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default="pending")
    total_rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.state})"

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.done_rows * 100 // self.total_rows)


class EscalationRule(models.Model):
    """An ordered intake rule: when its conditions match, it decides the escalation.

    Every condition that is set must match (a list matches when any item does); a
    rule with no conditions matches everything. The first active matching rule of a
    workspace, by position, wins.
    """

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="escalation_rules"
    )
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    # Conditions.
    confidence_below = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text="Matches when the AI's confidence is below this (0-100).",
    )
    confidence_above = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text="Matches when the AI's confidence is above this (0-100).",
    )
    channels = models.JSONField(default=list, blank=True)
    topics = models.JSONField(default=list, blank=True)
    intents = models.JSONField(default=list, blank=True)
    keywords = models.JSONField(
        default=list,
        blank=True,
        help_text="Whole words or phrases, any case, in the question or transcript.",
    )
    email_domains = models.JSONField(
        default=list, blank=True, help_text="The contact's e-mail domain, e.g. acme.com"
    )
    # Actions.
    escalate = models.BooleanField(
        default=True, help_text="Open a ticket; off means do not escalate."
    )
    priority = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        choices=Ticket.Priority.choices,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tags = models.JSONField(default=list, blank=True)
    label = models.ForeignKey(
        Label, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    group_within_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Attach to the requester's active ticket with the same label "
        "opened within this many days instead of opening a new one.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["workspace", "position", "id"]
        indexes = [
            # Intake reads a workspace's active rules in order.
            models.Index(
                fields=["workspace", "position", "id"],
                name="rule_ws_order",
                condition=models.Q(is_active=True),
            )
        ]

    def __str__(self) -> str:
        return self.name


class EscalationIntake(models.Model):
    """One processed escalation post, claimed by its idempotency key before any work.

    The unique (workspace, key) row is inserted first in the intake's transaction, so
    a concurrent identical post waits on it and then replays the stored outcome.
    """

    class Outcome(models.TextChoices):
        CREATED = "created", "Ticket created"
        ATTACHED = "attached", "Attached to an existing ticket"
        NOT_ESCALATED = "not_escalated", "Not escalated"

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="escalation_intakes"
    )
    key = models.CharField(max_length=300)
    request_hash = models.CharField(max_length=64)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule = models.ForeignKey(
        EscalationRule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "key"], name="uniq_escalation_intake_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} -> {self.outcome or 'in flight'}"

"""The ticket."""

import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from helpdesk.models import Contact, Team, Workspace
from tickets import workflow
from tickets.models.conversations import Conversation
from tickets.models.taxonomy import Label, Tag
from tickets.refs import format_ref

# Ticket.next_breach_at of a ticket without a running or overdue SLA clock: after
# every real due time.
NO_BREACH = datetime(9999, 12, 31, tzinfo=UTC)


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
    # Set by ticket_create before the insert, so the SLA clocks it plans start at
    # the very time the row records (auto_now_add would stamp a later instant).
    created_at = models.DateTimeField(default=timezone.now, editable=False)
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
    # A customer wrote since the assignee last opened the ticket (bold row, badge);
    # set by tickets.conversations.customer_replied, cleared by the assignee's panel
    # (tickets.services.unread). Not a change of the ticket: no version, no history.
    assignee_unread = models.BooleanField(default=False, editable=False)

    history = HistoricalRecords(
        excluded_fields=["updated_at", "version", "next_breach_at", "assignee_unread"],
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
            # The capped counts of every page (stats bar, sidebar queues: awake
            # tickets by status, mine, unassigned; snoozed ones) read these
            # indexes only, not the table.
            models.Index(
                fields=["workspace", "status", "assignee"],
                name="ticket_awake_ws_status",
                condition=models.Q(snoozed_until__isnull=True),
            ),
            models.Index(
                fields=["workspace", "status"],
                name="ticket_snoozed_ws_status",
                condition=models.Q(snoozed_until__isnull=False),
            ),
            # The sidebar's "Unread" count: the few unread tickets of one assignee.
            models.Index(
                fields=["workspace", "assignee"],
                name="ticket_ws_assignee_unread",
                condition=models.Q(assignee_unread=True),
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

    def _status_shown(self) -> tuple[str, str]:
        """The status's name and colour in this ticket's workspace when the
        workspace is loaded already (lists select it); else the defaults."""
        default = (
            workflow.label(self.status),
            workflow.STATUS_COLOURS.get(self.status, "grey"),
        )
        if Ticket.workspace.is_cached(self):
            return workflow.status_display(self.workspace).get(self.status, default)
        return default

    @property
    def status_name(self) -> str:
        return self._status_shown()[0]

    @property
    def status_colour(self) -> str:
        return self._status_shown()[1]

    @property
    def allowed_next_statuses(self) -> list[str]:
        return workflow.allowed_next(self.status)

    @property
    def is_snoozed(self) -> bool:
        return self.snoozed_until is not None

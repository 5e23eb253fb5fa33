"""Escalation rules and the record of each escalation taken in."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from helpdesk.models import Team, Workspace
from tickets.models.conversations import Conversation
from tickets.models.taxonomy import Label
from tickets.models.tickets import Ticket


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

    # The rule services' change reasons list the changed fields: a text column,
    # not simple-history's 100 characters.
    history = HistoricalRecords(
        excluded_fields=["updated_at"],
        history_change_reason_field=models.TextField(null=True),
    )

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
    # NULs and lone surrogates removed from the payload's texts (never stored).
    stripped_characters = models.PositiveIntegerField(default=0)
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

"""What happens on a ticket: comments and the timeline's events."""

from django.conf import settings
from django.db import models

from helpdesk.models import Workspace
from tickets.models.tickets import Ticket


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
        CONVERSATION_ENDED = "conversation_ended", "Conversation ended"
        TOOL_CALL = "tool_call", "Tool call"
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
            # The live-update marker: the workspace's newest event id, one index probe
            # (tickets.ui.views.live).
            models.Index(fields=["workspace", "-id"], name="ticketevent_ws_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.actor_label}"

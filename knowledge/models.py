"""The knowledge base (articles) and what the AI Insights tab stores: the insights
computed for a ticket version, and agents' feedback on them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from helpdesk.models import Workspace
from tickets.models import Label, Ticket


class Article(models.Model):
    """A knowledge-base article of one workspace, written in Markdown."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="articles"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown.")
    tags = models.JSONField(default=list, blank=True)
    label = models.ForeignKey(
        Label, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    view_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["view_count"])

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["workspace", "status"])]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        if self.label_id and self.label.workspace_id != self.workspace_id:
            raise ValidationError({"label": "Choose a label of this workspace."})


class TicketInsight(models.Model):
    """The insights computed for one version of a ticket (the newest is shown)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="insights"
    )
    ticket_version = models.PositiveIntegerField()
    provider = models.CharField(max_length=200)
    data = models.JSONField(default=dict)
    fallback_reason = models.CharField(max_length=200, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "ticket_version"], name="insight_one_per_version"
            )
        ]
        indexes = [models.Index(fields=["ticket", "-ticket_version"])]

    def __str__(self) -> str:
        return f"Insights of ticket {self.ticket_id} v{self.ticket_version}"


class InsightFeedback(models.Model):
    """An agent's "helpful" or "not helpful" on one suggestion of the insights."""

    class Section(models.TextChoices):
        RESOLUTION = "resolution", "Suggested resolution"
        ARTICLE = "article", "Related article"
        SIMILAR = "similar", "Similar ticket"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="insight_feedback"
    )
    section = models.CharField(max_length=12, choices=Section.choices)
    item = models.CharField(max_length=100)
    helpful = models.BooleanField()
    provider = models.CharField(max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "section", "item", "user"],
                name="insight_feedback_once_per_agent",
            )
        ]
        indexes = [models.Index(fields=["workspace", "created_at"])]

    def __str__(self) -> str:
        verdict = "helpful" if self.helpful else "not helpful"
        return f"{self.section} {self.item}: {verdict}"

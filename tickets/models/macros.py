"""Canned replies: a body with placeholders, and field changes applied with it."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from helpdesk.models import Workspace
from tickets import workflow
from tickets.macros import body_errors
from tickets.models.tickets import Ticket


class Macro(models.Model):
    """A canned reply of the workspace (owner empty) or of one agent (personal);
    applying it may also set the status, priority, tags and assignee."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="macros"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="macros",
        help_text="Empty: a workspace macro; else the agent's personal macro.",
    )
    name = models.CharField(max_length=100)
    body = models.TextField(blank=True)
    set_status = models.CharField(
        max_length=20, choices=workflow.Status.choices, blank=True
    )
    set_priority = models.PositiveSmallIntegerField(
        choices=Ticket.Priority.choices, null=True, blank=True
    )
    set_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    add_tags = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["workspace", "owner"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Refuses template code and unknown placeholders, naming each."""
        errors = body_errors(self.body)
        if not isinstance(self.add_tags, list) or not all(
            isinstance(t, str) for t in self.add_tags
        ):
            raise ValidationError({"add_tags": ["Give the tags as a list of names."]})
        if errors:
            raise ValidationError({"body": errors})

    @property
    def is_personal(self) -> bool:
        return self.owner_id is not None

    @property
    def changes(self) -> list[str]:
        """What applying the macro sets, in words (select_related set_assignee)."""
        parts = []
        if self.set_status:
            parts.append(f"status {self.get_set_status_display()}")
        if self.set_priority:
            parts.append(f"priority {self.get_set_priority_display()}")
        if self.set_assignee_id:
            user = self.set_assignee
            parts.append(f"assign {user.get_full_name() or user.get_username()}")
        if self.add_tags:
            parts.append("tags " + ", ".join(self.add_tags))
        return parts

    @property
    def sets_fields(self) -> bool:
        return bool(
            self.set_status
            or self.set_priority
            or self.set_assignee_id
            or self.add_tags
        )

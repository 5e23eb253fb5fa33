"""Saved list views and background export jobs."""

from django.conf import settings
from django.db import models

from helpdesk.models import Workspace


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


class ImportPreview(models.Model):
    """An import file that passed its dry run, waiting for its confirmation. The
    confirmation locks this row and applies the file only while it is pending, so
    a double click (or any number of simultaneous confirms) imports it once."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="import_previews"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(max_length=32, unique=True)
    path = models.CharField(max_length=300)
    name = models.CharField(max_length=255)
    state = models.CharField(max_length=10, choices=State.choices, default="pending")
    # The confirmation's answer, shown again to a repeated confirmation.
    outcome = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Import preview {self.token} ({self.state})"

"""Files attached to comments and conversation messages."""

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone

from helpdesk.models import Workspace
from tickets.models.activity import Comment
from tickets.models.conversations import Message

# Raster images served inline for previews; every other type is a download.
PREVIEWABLE = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def attachment_storage():
    """The storage attachments are kept in (STORAGES["attachments"]): local files
    under MEDIA_ROOT by default, an S3-compatible bucket when configured."""
    return storages["attachments"]


def attachment_path(instance: "Attachment", filename: str) -> str:
    """A name the uploader does not choose: workspace, month and the public key."""
    month = (instance.created_at or timezone.now()).strftime("%Y/%m")
    return f"attachments/{instance.workspace_id}/{month}/{instance.key}"


class Attachment(models.Model):
    """A file on a comment (reply or note) and/or a conversation message."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="attachments"
    )
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(
        storage=attachment_storage, upload_to=attachment_path, max_length=255
    )
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    comment = models.ForeignKey(
        Comment,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    message = models.ForeignKey(
        Message,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(comment__isnull=False)
                | models.Q(message__isnull=False),
                name="attachment_has_owner",
            )
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        """Shown inline: only raster types a browser cannot run code from."""
        return self.content_type in PREVIEWABLE

"""Attachments in the API: their shape, and the download (members only)."""

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from helpdesk.api import WorkspaceViewMixin, errors
from tickets import selectors
from tickets.attachments import attachment_response
from tickets.models import Attachment


class AttachmentSerializer(serializers.ModelSerializer):
    """A stored file; `url` downloads it (members of the workspace only)."""

    id = serializers.UUIDField(source="key", read_only=True)
    name = serializers.CharField(source="original_name", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "sha256", "url", "created_at"]
        read_only_fields = fields

    def get_url(self, attachment) -> str:
        return reverse(
            "api:attachment", args=[attachment.workspace.slug, attachment.key]
        )


class AttachmentDownloadView(WorkspaceViewMixin, APIView):
    """GET the file's bytes, always as a download; 404 outside its workspace."""

    @extend_schema(
        summary="Download an attachment",
        description="The bytes with the content type the file was stored with.",
        responses={(200, "*/*"): OpenApiTypes.BINARY, **errors()},
    )
    def get(self, request, workspace_slug: str, key):
        try:
            attachment = selectors.attachment_get(membership=self.membership, key=key)
        except Attachment.DoesNotExist:
            raise Http404("No such attachment.") from None
        return attachment_response(attachment)

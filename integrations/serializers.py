"""What the ticket API and the connections API show about sync."""

from django.urls import reverse
from rest_framework import serializers

from helpdesk.lib.api_input import StrictInput
from integrations import registry, services
from integrations.models import Connection, ExternalLink


class ExternalLinkSerializer(serializers.ModelSerializer):
    """For the ticket serializer: `external_links = ExternalLinkSerializer(many=True,
    read_only=True)` (prefetch `external_links`)."""

    class Meta:
        model = ExternalLink
        fields = [
            "platform",
            "remote_id",
            "remote_url",
            "state",
            "last_synced_at",
            "remote_updated_at",
            "last_error",
        ]
        read_only_fields = fields


class ConnectionSerializer(StrictInput, serializers.ModelSerializer):
    """Credentials and the webhook secret are write-only; they come back masked."""

    credentials = serializers.DictField(
        child=serializers.CharField(max_length=500), write_only=True, required=False
    )
    credentials_hint = serializers.SerializerMethodField()
    webhook_secret = serializers.CharField(
        write_only=True, required=False, min_length=16, max_length=200
    )
    webhook_url = serializers.SerializerMethodField()
    webhook_verification = serializers.SerializerMethodField()
    platform = serializers.ChoiceField(choices=[])

    class Meta:
        model = Connection
        fields = [
            "uuid",
            *services.PLAIN_FIELDS,
            "credentials",
            "credentials_hint",
            "webhook_secret",
            "webhook_url",
            "webhook_verification",
            "last_pulled_at",
            "created_at",
        ]
        read_only_fields = ["uuid", "last_pulled_at", "created_at"]

    def get_fields(self):
        fields = super().get_fields()
        fields["platform"].choices = registry.choices()  # whatever is registered now
        return fields

    def get_credentials_hint(self, obj: Connection) -> dict:
        return obj.credentials_hint()

    def get_webhook_verification(self, obj: Connection) -> str:
        """How the platform's webhooks prove they are genuine (what to set up)."""
        return registry.get(obj.platform).webhook

    def get_webhook_url(self, obj: Connection) -> str:
        path = reverse(
            "integrations-api:webhook",
            kwargs={"workspace_slug": obj.workspace.slug, "connection_uuid": obj.uuid},
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

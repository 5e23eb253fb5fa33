"""What the channels API shows and takes."""

from rest_framework import serializers

from helpdesk.lib.api_input import StrictInput
from messaging.models import Channel
from messaging.services import PLAIN_FIELDS


class ChannelSerializer(StrictInput, serializers.ModelSerializer):
    """The signing secret is write-only; it comes back as its last 4 characters."""

    kind = serializers.ChoiceField(choices=Channel.Kind.choices)
    secret = serializers.CharField(
        write_only=True,
        required=False,
        min_length=16,
        max_length=200,
        help_text="Chat: the secret the events are signed with (16+ characters).",
    )
    secret_hint = serializers.SerializerMethodField()

    class Meta:
        model = Channel
        fields = [
            "uuid",
            *PLAIN_FIELDS,
            "secret",
            "secret_hint",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["uuid", "created_at", "updated_at"]

    def get_secret_hint(self, obj: Channel) -> str:
        return obj.secret_hint()

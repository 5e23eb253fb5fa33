"""The channels API, /api/v1/workspaces/{slug}/channels/: managers set up the chat
callback and the e-mail sender (same authentication, error body and 404 for a
workspace that is not yours as the rest of the API). Routes: messaging.api_urls."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from helpdesk.api import WorkspaceViewMixin, errors
from helpdesk.tenancy import scoped
from messaging import services
from messaging.models import Channel
from messaging.serializers import ChannelSerializer


@extend_schema_view(
    list=extend_schema(responses={200: ChannelSerializer(many=True), **errors(403)}),
    create=extend_schema(responses={201: ChannelSerializer, **errors(400, 403)}),
    retrieve=extend_schema(responses={200: ChannelSerializer, **errors(403)}),
    update=extend_schema(responses={200: ChannelSerializer, **errors(400, 403)}),
    partial_update=extend_schema(
        responses={200: ChannelSerializer, **errors(400, 403)}
    ),
    destroy=extend_schema(responses={204: None, **errors(403)}),
)
class ChannelViewSet(WorkspaceViewMixin, viewsets.ModelViewSet):
    """A workspace's reply channels: one chat callback, one e-mail sender."""

    serializer_class = ChannelSerializer
    lookup_field = "uuid"
    default_permission = "channels.manage"
    pagination_class = None

    def get_queryset(self):
        if self.is_schema:
            return Channel.objects.none()
        return scoped(Channel.objects.all(), self.membership.workspace).order_by("kind")

    def _save(self, serializer, channel=None) -> Channel:
        try:
            return services.channel_save(
                workspace=self.membership.workspace,
                actor=self.request.user,
                values=serializer.validated_data,
                channel=channel,
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        channel = self._save(serializer)
        return Response(
            self.get_serializer(channel).data, status=status.HTTP_201_CREATED
        )

    def update(self, request, *args, **kwargs):
        channel = self.get_object()
        serializer = self.get_serializer(
            channel, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        channel = self._save(serializer, channel)
        return Response(self.get_serializer(channel).data)

    def perform_destroy(self, instance):
        services.channel_delete(channel=instance, actor=self.request.user)

"""Admin-only API for a workspace's connections, plus the sync retry of a ticket.

Mounted under /integrations/api/<workspace slug>/ by integrations.urls."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.permissions import can
from helpdesk.tenancy import membership_for_slug, scoped
from integrations import outbox, services
from integrations.models import Connection
from integrations.serializers import ConnectionSerializer, ExternalLinkSerializer
from tickets.models import Ticket


class ConnectionViewSet(viewsets.ModelViewSet):
    serializer_class = ConnectionSerializer
    lookup_field = "uuid"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.membership = membership_for_slug(request.user, kwargs["workspace_slug"])
        if not can(self.membership, "integrations.manage"):
            raise PermissionDenied("Only workspace admins manage integrations.")

    def get_queryset(self):
        return scoped(Connection.objects.all(), self.membership.workspace).order_by(
            "id"
        )

    def _save(self, serializer, connection=None):
        try:
            return services.connection_save(
                workspace=self.membership.workspace,
                actor=self.request.user,
                values=serializer.validated_data,
                connection=connection,
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        connection = self._save(serializer)
        return Response(
            self.get_serializer(connection).data, status=status.HTTP_201_CREATED
        )

    def update(self, request, *args, **kwargs):
        connection = self.get_object()
        serializer = self.get_serializer(
            connection, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        connection = self._save(serializer, connection)
        return Response(self.get_serializer(connection).data)

    @action(detail=True, methods=["post"])
    def test(self, request, *args, **kwargs):
        ok, message = services.connection_test(self.get_object())
        return Response({"ok": ok, "message": message})


class SyncRetryResultSerializer(serializers.Serializer):
    retried = serializers.IntegerField()
    external_links = ExternalLinkSerializer(many=True)


class TicketSyncRetryView(APIView):
    """POST: queue a ticket's failed sync changes again (the "Retry" button).
    Any member who may edit tickets can retry; the answer lists the links."""

    @extend_schema(request=None, responses={200: SyncRetryResultSerializer})
    def post(self, request, workspace_slug: str, number: int):
        membership = membership_for_slug(request.user, workspace_slug)
        if not can(membership, "ticket.edit"):
            raise PermissionDenied("You cannot change tickets in this workspace.")
        ticket = get_object_or_404(
            scoped(Ticket.objects.all(), membership.workspace), number=number
        )
        retried = sum(outbox.retry_link(link) for link in ticket.external_links.all())
        links = ExternalLinkSerializer(ticket.external_links.all(), many=True).data
        return Response({"retried": retried, "external_links": links})

"""Admin-only API for a workspace's connections, plus the sync retry of a ticket.

Mounted under /integrations/api/<workspace slug>/ by integrations.urls."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from helpdesk.permissions import can
from helpdesk.tenancy import membership_for_slug, scoped
from integrations import services
from integrations.models import Connection
from integrations.serializers import ConnectionSerializer


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

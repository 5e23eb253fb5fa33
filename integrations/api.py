"""The integrations API, under /api/v1/workspaces/{slug}/ like the rest of the API
(same authentication, error body, and 404 for a workspace that is not yours):
admins manage the workspace's connections; any member who may edit tickets retries
a ticket's failed sync. Routes: integrations.api_urls."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.api import WorkspaceViewMixin, errors
from helpdesk.tenancy import scoped
from integrations import health, services
from integrations.models import Connection
from integrations.serializers import ConnectionSerializer, ExternalLinkSerializer
from tickets.models import Ticket
from tickets.refs import parse_ref


class ConnectionHealthSerializer(serializers.Serializer):
    """How the connection is doing (integrations.health)."""

    state = serializers.ChoiceField(choices=["ok", "error", "new"])
    last_success_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()
    last_error_at = serializers.DateTimeField(allow_null=True)
    queue_depth = serializers.IntegerField()
    failed_changes = serializers.IntegerField()
    push_lag_seconds = serializers.IntegerField(allow_null=True)
    pull_lag_seconds = serializers.IntegerField(allow_null=True)
    rate_budget = serializers.ListField(child=serializers.DictField())


class ConnectionDetailSerializer(ConnectionSerializer):
    """A connection with its health (for the schema; the view adds it)."""

    health = ConnectionHealthSerializer(read_only=True)

    class Meta(ConnectionSerializer.Meta):
        fields = [*ConnectionSerializer.Meta.fields, "health"]


class ConnectionTestSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    message = serializers.CharField()


@extend_schema_view(
    list=extend_schema(responses={200: ConnectionSerializer(many=True), **errors(403)}),
    create=extend_schema(responses={201: ConnectionSerializer, **errors(400, 403)}),
    retrieve=extend_schema(responses={200: ConnectionDetailSerializer, **errors(403)}),
    update=extend_schema(responses={200: ConnectionSerializer, **errors(400, 403)}),
    partial_update=extend_schema(
        responses={200: ConnectionSerializer, **errors(400, 403)}
    ),
    destroy=extend_schema(responses={204: None, **errors(403)}),
)
class ConnectionViewSet(WorkspaceViewMixin, viewsets.ModelViewSet):
    """A workspace's connections to Zendesk, Gorgias, Kustomer (admins only)."""

    serializer_class = ConnectionSerializer
    lookup_field = "uuid"
    default_permission = "integrations.manage"

    def get_queryset(self):
        if self.is_schema:
            return Connection.objects.none()
        return (
            scoped(Connection.objects.all(), self.membership.workspace)
            .select_related("workspace")
            .order_by("id")
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

    def retrieve(self, request, *args, **kwargs):
        connection = self.get_object()
        (found,) = health.health_of([connection])
        data = self.get_serializer(connection).data
        return Response(
            {**data, "health": ConnectionHealthSerializer(found.as_dict()).data}
        )

    def update(self, request, *args, **kwargs):
        connection = self.get_object()
        serializer = self.get_serializer(
            connection, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        connection = self._save(serializer, connection)
        return Response(self.get_serializer(connection).data)

    @extend_schema(
        request=None, responses={200: ConnectionHealthSerializer, **errors(403)}
    )
    @action(detail=True, methods=["get"])
    def health(self, request, *args, **kwargs):
        """Last success, last error, lag, queue depth and rate-budget use."""
        (found,) = health.health_of([self.get_object()])
        return Response(ConnectionHealthSerializer(found.as_dict()).data)

    @extend_schema(
        request=None, responses={200: ConnectionTestSerializer, **errors(403)}
    )
    @action(detail=True, methods=["post"])
    def test(self, request, *args, **kwargs):
        """One harmless request with the stored credentials."""
        ok, message = services.connection_test(self.get_object())
        return Response({"ok": ok, "message": message})


class SyncRetryResultSerializer(serializers.Serializer):
    retried = serializers.IntegerField()
    external_links = ExternalLinkSerializer(many=True)


class TicketSyncRetryView(WorkspaceViewMixin, APIView):
    """POST: queue a ticket's failed sync changes again (the "Retry" button).
    Any member who may edit tickets can retry; the answer lists the links."""

    default_permission = "ticket.edit"

    @extend_schema(
        request=None, responses={200: SyncRetryResultSerializer, **errors(403)}
    )
    def post(self, request, workspace_slug: str, ref: str):
        workspace = self.membership.workspace
        try:
            number = parse_ref(ref, workspace.ticket_prefix)
        except ValueError:
            raise Http404("No such ticket.") from None
        ticket = get_object_or_404(
            scoped(Ticket.objects.all(), workspace), number=number
        )
        retried = sum(services.retry_link(link) for link in ticket.external_links.all())
        links = ExternalLinkSerializer(ticket.external_links.all(), many=True).data
        return Response({"retried": retried, "external_links": links})

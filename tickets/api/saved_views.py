"""The API's saved views: personal or shared named filter sets."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, viewsets

from helpdesk.lib.errors import PermissionDenied
from helpdesk.models import Membership
from tickets import services
from tickets.api import serializers as s
from tickets.api.base import WorkspaceViewMixin, errors
from tickets.models import SavedView


@extend_schema_view(
    list=extend_schema(
        summary="Your saved views and the shared ones",
        responses={200: s.SavedViewSerializer(many=True), **errors(403)},
    ),
    retrieve=extend_schema(responses={200: s.SavedViewSerializer, **errors(403)}),
    create=extend_schema(
        summary="Save a view (sharing needs a manager or admin)",
        responses={201: s.SavedViewSerializer, **errors(400, 403)},
    ),
    partial_update=extend_schema(
        responses={200: s.SavedViewSerializer, **errors(400, 403)}
    ),
    destroy=extend_schema(responses={204: None, **errors(403)}),
)
class SavedViewViewSet(WorkspaceViewMixin, viewsets.ModelViewSet):
    """Personal views belong to their owner; shared views are seen by everyone and
    changed by their owner or a manager."""

    serializer_class = s.SavedViewSerializer
    pagination_class = None
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if self.is_schema:
            return SavedView.objects.none()
        return (
            SavedView.objects.filter(workspace=self.membership.workspace)
            .filter(_visible_to(self.membership))
            .select_related("owner")
        )

    def get_object(self) -> SavedView:
        view = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        if self.request.method not in permissions.SAFE_METHODS and not (
            services.saved_view_may_change(view, self.membership)
        ):
            raise PermissionDenied("Only its owner or a manager may change this view.")
        return view

    def perform_create(self, serializer):
        serializer.instance = services.saved_view_create(
            actor=self.membership, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.saved_view_update(
            view=serializer.instance, actor=self.membership, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.saved_view_delete(view=instance, actor=self.membership)


def _visible_to(membership: Membership):
    return Q(owner=membership.user) | Q(is_shared=True)

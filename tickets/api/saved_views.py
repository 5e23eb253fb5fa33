"""The API's saved views: personal or shared named filter sets."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, viewsets
from rest_framework.exceptions import ValidationError

from helpdesk.lib.errors import PermissionDenied
from helpdesk.models import Membership
from helpdesk.permissions import can
from tickets.api import serializers as s
from tickets.api.base import WorkspaceViewMixin, errors
from tickets.filters import TicketFilterSet
from tickets.models import SavedView, Ticket


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
            view.owner_id == self.membership.user_id
            or (view.is_shared and can(self.membership, "views.share"))
        ):
            raise PermissionDenied("Only its owner or a manager may change this view.")
        return view

    def _check(self, serializer, instance: SavedView | None = None) -> None:
        data = serializer.validated_data
        shared = data.get("is_shared", instance.is_shared if instance else False)
        if shared and not can(self.membership, "views.share"):
            raise PermissionDenied("Only managers and admins may share views.")
        if "filters" in data:
            filterset = TicketFilterSet(
                data["filters"],
                queryset=Ticket.objects.none(),
                membership=self.membership,
            )
            if not filterset.is_valid():
                raise ValidationError(
                    {
                        f"filters.{name}": [str(m) for m in messages]
                        for name, messages in filterset.errors.items()
                    }
                )
            unknown = set(data["filters"]) - set(_filter_params())
            if unknown:
                raise ValidationError(
                    {"filters": [f"Unknown filters: {', '.join(sorted(unknown))}."]}
                )

    def perform_create(self, serializer):
        self._check(serializer)
        serializer.save(workspace=self.membership.workspace, owner=self.request.user)

    def perform_update(self, serializer):
        self._check(serializer, serializer.instance)
        serializer.save()


def _visible_to(membership: Membership):
    return Q(owner=membership.user) | Q(is_shared=True)


def _filter_params() -> list[str]:
    """Parameter names TicketFilterSet reads (range filters use _after/_before)."""
    names = []
    for name, f in TicketFilterSet.base_filters.items():
        if f.__class__.__name__.endswith("RangeFilter"):
            names += [f"{name}_after", f"{name}_before"]
        else:
            names.append(name)
    return names

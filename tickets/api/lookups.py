"""The API's read-only lists a client looks ids up in: tags, labels, teams, members."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from helpdesk.models import Membership, Team
from tickets.api import serializers as s
from tickets.api.base import WorkspaceViewMixin, errors
from tickets.models import Label, Tag


class _ReadList(WorkspaceViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    pagination_class = None


@extend_schema_view(
    list=extend_schema(
        summary="Tags", responses={200: s.TagSerializer(many=True), **errors(403)}
    )
)
class TagViewSet(_ReadList):
    serializer_class = s.TagSerializer

    def get_queryset(self):
        if self.is_schema:
            return Tag.objects.none()
        return Tag.objects.filter(workspace=self.membership.workspace).order_by("name")


@extend_schema_view(
    list=extend_schema(
        summary="Labels (with their paths)",
        responses={200: s.LabelSerializer(many=True), **errors(403)},
    )
)
class LabelViewSet(_ReadList):
    serializer_class = s.LabelSerializer

    def get_queryset(self):
        if self.is_schema:
            return Label.objects.none()
        return Label.objects.filter(workspace=self.membership.workspace).select_related(
            "parent__parent__parent"
        )


@extend_schema_view(
    list=extend_schema(
        summary="Teams", responses={200: s.TeamSerializer(many=True), **errors(403)}
    )
)
class TeamViewSet(_ReadList):
    serializer_class = s.TeamSerializer

    def get_queryset(self):
        if self.is_schema:
            return Team.objects.none()
        return Team.objects.filter(workspace=self.membership.workspace)


@extend_schema_view(
    list=extend_schema(
        summary="Members and their roles",
        responses={200: s.MemberSerializer(many=True), **errors(403)},
    )
)
class MemberViewSet(_ReadList):
    serializer_class = s.MemberSerializer

    def get_queryset(self):
        if self.is_schema:
            return Membership.objects.none()
        return Membership.objects.filter(
            workspace=self.membership.workspace
        ).select_related("user")

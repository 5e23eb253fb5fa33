"""The API's read-only lists a client looks ids up in: tags, labels, teams, members,
contacts."""

from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError

from helpdesk.api import WorkspaceViewMixin, errors
from helpdesk.lib.api import CursorPagination
from helpdesk.lib.api_input import refuse_unknown_params
from helpdesk.lib.parsing import strip_text
from helpdesk.models import Contact, Membership, Team
from helpdesk.tenancy import scoped
from tickets.api import serializers as s
from tickets.models import Label, Tag

MAX_QUERY = 200


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


class ContactCursorPagination(CursorPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("name", "id")


@extend_schema_view(
    list=extend_schema(
        summary="Contacts (requesters), by name; `q` searches name and e-mail",
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                description="Words found in the name or the e-mail address.",
            )
        ],
        responses={200: s.ContactSerializer(many=True), **errors(400, 403)},
    )
)
class ContactViewSet(
    WorkspaceViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """The workspace's contacts, to find the id a ticket's `requester` takes
    (or give the e-mail address itself)."""

    serializer_class = s.ContactSerializer
    pagination_class = ContactCursorPagination
    known_params = {"q", "cursor", "page_size", "count", "format"}

    def get_queryset(self):
        if self.is_schema:
            return Contact.objects.none()
        refuse_unknown_params(self.request.query_params, self.known_params)
        contacts = scoped(Contact.objects.all(), self.membership.workspace)
        words = " ".join(strip_text(self.request.query_params.get("q", "")).split())
        if len(words) > MAX_QUERY:
            raise ValidationError({"q": [f"At most {MAX_QUERY} characters."]})
        if words:
            contacts = contacts.filter(
                Q(name__icontains=words) | Q(email__icontains=words)
            )
        return contacts

"""The invitations API, /api/v1/workspaces/{slug}/invitations/: admins list,
create (an e-mail goes to the address) and revoke invitations. There is no way to
add an existing user by id: members join by accepting."""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from helpdesk import invitations
from helpdesk.api import WorkspaceViewMixin, errors
from helpdesk.lib.parsing import as_id
from helpdesk.models import Invitation, Membership


class InvitationSerializer(serializers.ModelSerializer):
    """An invitation as listed (the token is only ever in the e-mail)."""

    state = serializers.SerializerMethodField()
    inviter = serializers.CharField(source="inviter.username", default=None)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "role",
            "state",
            "inviter",
            "created_at",
            "expires_at",
            "accepted_at",
            "revoked_at",
        ]
        read_only_fields = fields

    def get_state(self, obj) -> str:
        return obj.state(self.context["now"])


class InvitationInputSerializer(serializers.Serializer):
    """Whom to invite, with which role; any other field is refused."""

    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Membership.Role.choices)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Unknown field."] for name in unknown}
                )
        return super().to_internal_value(data)


@extend_schema_view(
    list=extend_schema(
        summary="Invitations, newest first",
        responses={200: InvitationSerializer(many=True), **errors(403)},
    ),
    create=extend_schema(
        summary="Invite an e-mail address (sends the accept link)",
        request=InvitationInputSerializer,
        responses={201: InvitationSerializer, **errors(400, 403)},
    ),
    destroy=extend_schema(
        summary="Revoke an invitation (its link stops working)",
        responses={204: None, **errors(403)},
    ),
)
class InvitationViewSet(
    WorkspaceViewMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = InvitationSerializer
    default_permission = "members.manage"
    pagination_class = None

    def get_queryset(self):
        if self.is_schema:
            return Invitation.objects.none()
        return invitations.invitation_list(workspace=self.membership.workspace)[:500]

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def create(self, request, *args, **kwargs):
        data = InvitationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation, _token = invitations.invitation_create(
            workspace=self.membership.workspace,
            inviter=request.user,
            **data.validated_data,
        )
        body = InvitationSerializer(invitation, context=self.get_serializer_context())
        return Response(body.data, status=status.HTTP_201_CREATED)

    def get_object(self):
        pk = as_id(self.kwargs.get("pk", ""))
        invitation = Invitation.objects.filter(
            workspace=self.membership.workspace, pk=pk
        ).first()
        if pk is None or invitation is None:
            raise Http404("No such invitation.")
        return invitation

    def perform_destroy(self, instance):
        invitations.invitation_revoke(invitation=instance)

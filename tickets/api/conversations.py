"""The API's conversations: a list, each with its messages, and ending one."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from helpdesk.api import WorkspaceViewMixin, errors
from tickets.api import serializers as s
from tickets.api.base import CreatedCursorPagination
from tickets.conversations import conversation_end
from tickets.models import Conversation


@extend_schema_view(
    list=extend_schema(
        summary="List conversations",
        responses={200: s.ConversationBriefSerializer(many=True), **errors(403)},
    ),
    retrieve=extend_schema(
        summary="A conversation with its messages",
        responses={200: s.ConversationSerializer, **errors(403)},
    ),
)
class ConversationViewSet(WorkspaceViewMixin, viewsets.ReadOnlyModelViewSet):
    pagination_class = CreatedCursorPagination
    lookup_value_regex = "[0-9]+"
    action_permissions = {"close": "ticket.edit"}

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.ConversationSerializer
        return s.ConversationBriefSerializer

    def get_queryset(self):
        if self.is_schema:
            return Conversation.objects.none()
        queryset = Conversation.objects.filter(
            workspace=self.membership.workspace
        ).select_related("contact")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("messages")
        return queryset

    @extend_schema(
        summary="End the conversation (its state becomes closed)",
        request=None,
        responses={200: s.ConversationBriefSerializer, **errors(403, 404)},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        """Ending an ended conversation changes nothing and answers the same."""
        conversation = self.get_object()
        conversation_end(conversation=conversation, actor=request.user)
        return Response(s.ConversationBriefSerializer(conversation).data)

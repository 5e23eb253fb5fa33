"""REST API for escalation intake: escalations, customer messages, tickets from a
conversation, and escalation rules. Same conventions as tickets.api.base: the
workspace in the path, roles per action, one JSON error shape.

Request bodies are validated by the intake's serializers (tickets.intake.serializers,
run by the services), and the same serializers are the schema drf-spectacular
publishes, so what is documented is what is accepted. The intake's Idempotency-Key
is handled by tickets.intake.service itself (its claim row is the escalation's own
record), so these views do not wrap it again.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from helpdesk.api import WorkspaceViewMixin, errors
from tickets import selectors
from tickets.api import serializers as s
from tickets.api.base import IDEMPOTENCY_KEY
from tickets.intake import inbound, rules, service
from tickets.intake.serializers import (
    RULE_FIELDS,
    ConversationTicketSerializer,
    CustomerMessagesSerializer,
    EscalationPayloadSerializer,
    EscalationRuleInputSerializer,
)
from tickets.models import (
    Conversation,
    EscalationIntake,
    EscalationRule,
    Message,
    Ticket,
)

READ_ONLY_RULE_FIELDS = {"id", "created_at", "updated_at", "workspace"}


# --- output serializers (input: tickets.intake.serializers) ---


class EscalationRuleSerializer(serializers.ModelSerializer):
    label_path = serializers.CharField(
        source="label.path", default=None, allow_null=True
    )
    team_name = serializers.CharField(source="team.name", default=None, allow_null=True)

    class Meta:
        model = EscalationRule
        fields = [
            "id",
            *RULE_FIELDS,
            "team_name",
            "label_path",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class _Ref(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


IntakeResultSerializer = inline_serializer(
    "EscalationResult",
    {
        "outcome": serializers.ChoiceField(EscalationIntake.Outcome.choices),
        "message": serializers.CharField(),
        "replayed": serializers.BooleanField(),
        "ticket": inline_serializer(
            "EscalatedTicket",
            {
                "ref": serializers.CharField(),
                "number": serializers.IntegerField(),
                "url": serializers.URLField(),
                "status": serializers.CharField(),
                "priority": serializers.IntegerField(),
                "assignee": serializers.CharField(allow_null=True),
            },
            allow_null=True,
        ),
        "conversation": inline_serializer(
            "EscalatedConversation",
            {"id": serializers.IntegerField(), "external_id": serializers.CharField()},
        ),
        "rule": _Ref(allow_null=True),
    },
)


def _object_body(request) -> dict:
    if not isinstance(request.data, dict):
        raise ValidationError({"non_field_errors": ["Send a JSON object."]})
    return request.data


def _ticket_brief(request, ticket: Ticket | None, slug: str) -> dict | None:
    if ticket is None:
        return None
    path = reverse(
        "api:ticket-detail", kwargs={"workspace_slug": slug, "ref": ticket.ref}
    )
    return {
        "ref": ticket.ref,
        "number": ticket.number,
        "url": request.build_absolute_uri(path),
        "status": ticket.status,
        "priority": ticket.priority,
        "assignee": ticket.assignee.get_username() if ticket.assignee else None,
    }


# --- intake ---


@extend_schema_view(
    create=extend_schema(
        summary="Escalate a conversation (the AI agent's hand-over)",
        description=(
            "Upserts the contact (by e-mail) and the conversation (by external id), "
            "asks the escalation rules, and opens a ticket (201), attaches the "
            "conversation to the requester's active ticket (200) or does not "
            "escalate (200). Idempotent on Idempotency-Key, else on `event_id`, "
            "else on the payload itself."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=EscalationPayloadSerializer,
        responses={
            200: IntakeResultSerializer,
            201: IntakeResultSerializer,
            **errors(400, 403, 422),
        },
    )
)
class EscalationViewSet(WorkspaceViewMixin, viewsets.ViewSet):
    action_permissions = {"create": "ticket.create"}

    def create(self, request, *args, **kwargs):
        workspace = self.membership.workspace
        result = service.escalation_intake(
            workspace=workspace,
            actor=request.user,
            payload=_object_body(request),
            idempotency_key=request.headers.get("Idempotency-Key", ""),
        )
        body = {
            "outcome": result.outcome,
            "message": result.detail,
            "replayed": result.replayed,
            "ticket": _ticket_brief(request, result.ticket, workspace.slug),
            "conversation": {
                "id": result.conversation.pk,
                "external_id": result.conversation.external_id,
            }
            if result.conversation
            else None,
            "rule": rules.rule_ref(result.rule),
        }
        response = Response(
            body,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )
        if result.replayed:
            response["Idempotent-Replayed"] = "true"
        return response


# --- conversations: customer messages and tickets by hand ---


AGENT_PAGE = 100


class ConversationIntakeViewSet(WorkspaceViewMixin, viewsets.ViewSet):
    lookup_value_regex = "[0-9]+"
    action_permissions = {
        "messages": "ticket.edit",
        "tickets": "ticket.create",
        "agent_messages": "ticket.view",
    }

    def _conversation(self) -> Conversation:
        try:
            return Conversation.objects.get(
                workspace=self.membership.workspace, pk=int(self.kwargs["pk"])
            )
        except (Conversation.DoesNotExist, ValueError):
            raise Http404("No such conversation.") from None

    @extend_schema(
        summary="Append messages to a conversation (customer replies)",
        description=(
            "Messages already in the conversation are skipped. A customer message "
            "is announced on every ticket the conversation feeds, reopens those "
            "waiting on the contact and wakes snoozed ones."
        ),
        request=CustomerMessagesSerializer,
        responses={
            201: inline_serializer(
                "MessagesAdded",
                {
                    "added": s.MessageSerializer(many=True),
                    "tickets": serializers.ListField(child=serializers.CharField()),
                },
            ),
            **errors(400, 403),
        },
    )
    def messages(self, request, *args, **kwargs):
        conversation = self._conversation()
        body = _object_body(request)
        result = inbound.conversation_add_messages(
            conversation=conversation, messages=body.get("messages")
        )
        return Response(
            {
                "added": s.MessageSerializer(result.added, many=True).data,
                "tickets": [t.ref for t in result.tickets],
            },
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="The agents' messages after a cursor (for chats without callbacks)",
        description=(
            "Agent messages (public replies) of the conversation with an id above "
            "`since`, oldest first, at most 100. Pass the answer's `cursor` as the "
            "next `since`; `more` says whether another page is waiting."
        ),
        parameters=[
            OpenApiParameter(
                "since", OpenApiTypes.STR, description="The last `cursor` seen."
            )
        ],
        responses={
            200: inline_serializer(
                "AgentMessages",
                {
                    "messages": s.MessageSerializer(many=True),
                    "cursor": serializers.CharField(),
                    "more": serializers.BooleanField(),
                },
            ),
            **errors(400, 403),
        },
    )
    def agent_messages(self, request, *args, **kwargs):
        conversation = self._conversation()
        since = request.query_params.get("since", "") or "0"
        if not since.isascii() or not since.isdigit() or len(since) > 18:
            raise serializers.ValidationError(
                {"since": ["Give the `cursor` of an earlier answer (digits)."]}
            )
        found = list(
            conversation.messages.filter(
                author_kind=Message.AuthorKind.AGENT, pk__gt=int(since)
            ).order_by("id")[: AGENT_PAGE + 1]
        )
        page = found[:AGENT_PAGE]
        return Response(
            {
                "messages": s.MessageSerializer(page, many=True).data,
                "cursor": str(page[-1].pk if page else int(since)),
                "more": len(found) > AGENT_PAGE,
            }
        )

    @extend_schema(
        summary="Open a ticket from a conversation",
        description="One conversation may spawn several tickets.",
        request=ConversationTicketSerializer,
        responses={201: s.TicketDetailSerializer, **errors(400, 403)},
    )
    def tickets(self, request, *args, **kwargs):
        conversation = self._conversation()
        values = ConversationTicketSerializer(
            data=request.data, context={"workspace": self.membership.workspace}
        )
        values.is_valid(raise_exception=True)
        ticket = inbound.ticket_create_from_conversation(
            conversation=conversation,
            actor=request.user,
            **values.validated_data,  # no assignee: the creator, as any manual ticket
        )
        fresh = selectors.ticket_get_detailed(
            membership=self.membership, number=ticket.number
        )
        return Response(
            s.TicketDetailSerializer(
                fresh, context={"request": request, "membership": self.membership}
            ).data,
            status=status.HTTP_201_CREATED,
        )


# --- escalation rules ---


@extend_schema_view(
    list=extend_schema(
        summary="The workspace's escalation rules, in order",
        responses={200: EscalationRuleSerializer(many=True), **errors()},
    ),
    retrieve=extend_schema(
        summary="One escalation rule",
        responses={200: EscalationRuleSerializer, **errors()},
    ),
    create=extend_schema(
        summary="Add an escalation rule (managers)",
        request=EscalationRuleInputSerializer,
        responses={201: EscalationRuleSerializer, **errors(400, 403)},
    ),
    partial_update=extend_schema(
        summary="Change an escalation rule (managers)",
        request=EscalationRuleInputSerializer(partial=True),
        responses={200: EscalationRuleSerializer, **errors(400, 403)},
    ),
    destroy=extend_schema(
        summary="Delete an escalation rule (managers)",
        responses={204: None, **errors(403)},
    ),
)
class EscalationRuleViewSet(WorkspaceViewMixin, viewsets.ViewSet):
    lookup_value_regex = "[0-9]+"
    action_permissions = {
        "create": "rules.manage",
        "partial_update": "rules.manage",
        "destroy": "rules.manage",
    }

    def _rules(self):
        return EscalationRule.objects.filter(
            workspace=self.membership.workspace
        ).select_related("team", "label__parent")

    def _rule(self) -> EscalationRule:
        try:
            return self._rules().get(pk=int(self.kwargs["pk"]))
        except (EscalationRule.DoesNotExist, ValueError):
            raise Http404("No such escalation rule.") from None

    def _values(self, request) -> dict:
        body = _object_body(request)
        return {k: v for k, v in body.items() if k not in READ_ONLY_RULE_FIELDS}

    def _answer(self, rule: EscalationRule, code=status.HTTP_200_OK) -> Response:
        fresh = self._rules().get(pk=rule.pk)
        return Response(EscalationRuleSerializer(fresh).data, status=code)

    def list(self, request, *args, **kwargs):
        rules = self._rules().order_by("position", "id")
        return Response(EscalationRuleSerializer(rules, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return self._answer(self._rule())

    def create(self, request, *args, **kwargs):
        rule = rules.escalation_rule_create(
            workspace=self.membership.workspace,
            actor=request.user,
            values=self._values(request),
        )
        return self._answer(rule, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        rule = rules.escalation_rule_update(
            rule=self._rule(), actor=request.user, changes=self._values(request)
        )
        return self._answer(rule)

    def destroy(self, request, *args, **kwargs):
        rules.escalation_rule_delete(rule=self._rule(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

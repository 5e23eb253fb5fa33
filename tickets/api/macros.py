"""The API's macros: workspace macros (managers) and personal ones (their owner)."""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from helpdesk.api import WorkspaceViewMixin, errors
from helpdesk.lib.api_input import StrictInput
from helpdesk.lib.errors import PermissionDenied
from helpdesk.tenancy import member_get
from tickets import selectors, services, workflow
from tickets.macros import ALLOWED
from tickets.models import Macro

User = get_user_model()
PLACEHOLDER_HELP = f"Placeholders: {ALLOWED}."


class MacroSerializer(StrictInput, serializers.ModelSerializer):
    """A macro; `personal` false makes a workspace macro (managers only)."""

    personal = serializers.BooleanField(default=True)
    set_status = serializers.ChoiceField(
        workflow.Status.choices, allow_blank=True, required=False
    )
    set_assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), allow_null=True, required=False
    )
    add_tags = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=20, required=False
    )

    class Meta:
        model = Macro
        fields = [
            "id",
            "name",
            "body",
            "personal",
            "set_status",
            "set_priority",
            "set_assignee",
            "add_tags",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            "body": {"max_length": 100_000, "help_text": PLACEHOLDER_HELP},
        }

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["personal"] = instance.is_personal
        return data

    def validate_set_assignee(self, user):
        if (
            user is not None
            and member_get(self.context["membership"].workspace, user=user) is None
        ):
            raise serializers.ValidationError(
                "No member with that id in this workspace."
            )
        return user

    def validate_set_status(self, value):
        return value or ""


@extend_schema_view(
    list=extend_schema(
        summary="The workspace's macros and your personal ones",
        responses={200: MacroSerializer(many=True), **errors(403)},
    ),
    retrieve=extend_schema(responses={200: MacroSerializer, **errors(403)}),
    create=extend_schema(
        summary="Make a macro (workspace macros need a manager or admin)",
        responses={201: MacroSerializer, **errors(400, 403)},
    ),
    partial_update=extend_schema(responses={200: MacroSerializer, **errors(400, 403)}),
    destroy=extend_schema(responses={204: None, **errors(403)}),
)
class MacroViewSet(WorkspaceViewMixin, viewsets.ModelViewSet):
    """Bodies are checked against the fixed placeholder set when saved."""

    serializer_class = MacroSerializer
    pagination_class = None
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if self.is_schema:
            return Macro.objects.none()
        return selectors.macros_for(membership=self.membership)

    def get_object(self) -> Macro:
        macro = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        if self.request.method not in ("GET", "HEAD", "OPTIONS") and not (
            services.macro_may_change(macro, self.membership)
        ):
            raise PermissionDenied("Only its owner or a manager may change this macro.")
        return macro

    def perform_create(self, serializer):
        serializer.instance = services.macro_create(
            actor=self.membership, **serializer.validated_data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("personal", None)
        serializer.instance = services.macro_update(
            macro=serializer.instance, actor=self.membership, **data
        )

    def perform_destroy(self, instance):
        services.macro_delete(macro=instance, actor=self.membership)

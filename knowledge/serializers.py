"""The knowledge API's shapes: articles, the insights of a ticket, feedback."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from helpdesk.lib.api_input import StrictInput
from knowledge.forms import MAX_BODY, MAX_TAGS
from knowledge.models import Article, InsightFeedback
from tickets.models import Label


class WorkspaceLabelField(serializers.PrimaryKeyRelatedField):
    """A label of the caller's workspace (another workspace's id: a field error)."""

    def get_queryset(self):
        membership = self.context.get("membership")
        if membership is None:
            return Label.objects.none()
        return Label.objects.filter(workspace=membership.workspace)


class ArticleSerializer(StrictInput, serializers.ModelSerializer):
    """A knowledge-base article; `body` is Markdown."""

    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=MAX_TAGS, required=False
    )
    label = WorkspaceLabelField(allow_null=True, required=False)
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "body",
            "tags",
            "label",
            "status",
            "author",
            "view_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "author", "view_count", "created_at", "updated_at"]
        extra_kwargs = {"body": {"max_length": MAX_BODY}}


class PublishedArticleSerializer(ArticleSerializer):
    """A published article as the AI chat agent reads it, with its search score."""

    score = serializers.FloatField(read_only=True, allow_null=True)

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "score"]
        read_only_fields = fields


class FeedbackSerializer(StrictInput, serializers.Serializer):
    section = serializers.ChoiceField(InsightFeedback.Section.choices)
    item = serializers.RegexField(r"^[a-z0-9-]{1,100}$", max_length=100)
    helpful = serializers.BooleanField()


@extend_schema_field({"type": "object", "additionalProperties": True, "nullable": True})
class InsightDataField(serializers.JSONField):
    """analysis, resolution, articles, similar: see README (AI Insights)."""


class InsightsSerializer(serializers.Serializer):
    """The stored insights of a ticket; `state` pending while a worker computes
    them (the request never waits on a provider)."""

    state = serializers.ChoiceField(["ready", "pending"])
    ticket_version = serializers.IntegerField()
    insight_version = serializers.IntegerField(allow_null=True)
    computed_at = serializers.DateTimeField(allow_null=True)
    provider = serializers.CharField(allow_blank=True)
    fallback_reason = serializers.CharField(allow_blank=True)
    analysis = InsightDataField()
    resolution = InsightDataField()
    articles = InsightDataField()
    similar = InsightDataField()

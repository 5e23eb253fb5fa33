"""The knowledge API under /api/v1/workspaces/{slug}/: articles (managers write;
agents, and the AI chat agent with its token, read published ones) and the AI
Insights of a ticket. Routes: knowledge.api_urls."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from helpdesk.api import WorkspaceViewMixin, errors
from helpdesk.lib.parsing import as_id
from helpdesk.permissions import can
from knowledge import handlers, selectors, services
from knowledge.models import Article
from knowledge.serializers import (
    ArticleSerializer,
    FeedbackSerializer,
    InsightsSerializer,
    PublishedArticleSerializer,
)
from tickets import selectors as ticket_selectors
from tickets.models import Ticket

MAX_SEARCH_RESULTS = 20
SECTIONS = ("analysis", "resolution", "articles", "similar")
Q_PARAM = OpenApiParameter("q", str, description="Words to search for.")


class ArticlePages(CursorPagination):
    ordering = ("-id",)
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        """DRF's cursor, whose position must be an article id: a forged one is a
        400 naming `cursor`, not a failed query."""
        cursor = super().decode_cursor(request)
        if cursor and cursor.position is not None and as_id(cursor.position) is None:
            raise ValidationError({"cursor": ["Not a cursor of this list."]})
        return cursor


@extend_schema_view(
    list=extend_schema(
        summary="Articles (drafts too for managers)",
        parameters=[Q_PARAM],
        responses={200: ArticleSerializer(many=True), **errors(400, 403)},
    ),
    retrieve=extend_schema(responses={200: ArticleSerializer, **errors(403)}),
    create=extend_schema(responses={201: ArticleSerializer, **errors(400, 403)}),
    partial_update=extend_schema(
        responses={200: ArticleSerializer, **errors(400, 403)}
    ),
    destroy=extend_schema(responses={204: None, **errors(403)}),
)
class ArticleViewSet(WorkspaceViewMixin, viewsets.ModelViewSet):
    """Knowledge-base articles; every write keeps a history row."""

    serializer_class = ArticleSerializer
    pagination_class = ArticlePages
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    action_permissions = {
        "create": "articles.manage",
        "partial_update": "articles.manage",
        "destroy": "articles.manage",
    }

    def get_queryset(self):
        if self.is_schema:
            return Article.objects.none()
        return selectors.article_list(
            workspace=self.membership.workspace,
            published_only=not can(self.membership, "articles.manage"),
        )

    def list(self, request, *args, **kwargs):
        q = " ".join(request.query_params.get("q", "").split())
        if len(q) > 200:
            raise ValidationError({"q": ["At most 200 characters."]})
        if q:
            rows = selectors.article_search(self.get_queryset(), q)
            rows = rows[:MAX_SEARCH_RESULTS]
            return Response({"results": self.get_serializer(rows, many=True).data})
        return super().list(request, *args, **kwargs)

    def get_object(self) -> Article:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def perform_create(self, serializer):
        serializer.instance = services.article_save(
            workspace=self.membership.workspace,
            actor=self.request.user,
            values=serializer.validated_data,
        )

    def perform_update(self, serializer):
        serializer.instance = services.article_save(
            workspace=self.membership.workspace,
            actor=self.request.user,
            values=serializer.validated_data,
            article=serializer.instance,
        )

    def perform_destroy(self, instance):
        services.article_delete(article=instance, actor=self.request.user)

    @extend_schema(
        summary="Published articles, best match first (for the AI chat agent)",
        parameters=[Q_PARAM],
        responses={200: PublishedArticleSerializer(many=True), **errors(400)},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def published(self, request, workspace_slug=None):
        q = " ".join(request.query_params.get("q", "").split())
        if len(q) > 200:
            raise ValidationError({"q": ["At most 200 characters."]})
        rows = selectors.article_list(
            workspace=self.membership.workspace, published_only=True
        )
        rows = selectors.article_search(rows, q)[:MAX_SEARCH_RESULTS]
        # One page, in the shape of every list answer (the schema says so too).
        data = PublishedArticleSerializer(rows, many=True).data
        return Response({"results": data})


class TicketInsightsViewSet(WorkspaceViewMixin, viewsets.ViewSet):
    """The AI Insights of one ticket: read (never waits), regenerate, feedback."""

    action_permissions = {"regenerate": "ticket.edit", "feedback": "ticket.edit"}

    def _ticket(self) -> Ticket:
        try:
            return ticket_selectors.ticket_get(
                membership=self.membership, number=int(self.kwargs["number"])
            )
        except (Ticket.DoesNotExist, ValueError, OverflowError):
            raise Http404("No such ticket.") from None

    @extend_schema(responses={200: InsightsSerializer, **errors()})
    def retrieve(self, request, workspace_slug=None, number=None):
        ticket = self._ticket()
        insight = selectors.insight_latest(ticket=ticket)
        current = insight is not None and insight.ticket_version == ticket.version
        if not current:
            handlers.insight_queue(ticket=ticket)
        data = insight.data if insight else {}
        body = {
            "state": "ready" if current else "pending",
            "ticket_version": ticket.version,
            "insight_version": insight.ticket_version if insight else None,
            "computed_at": insight.computed_at if insight else None,
            "provider": insight.provider if insight else "",
            "fallback_reason": insight.fallback_reason if insight else "",
            **{
                k: data.get(k)
                for k in ("analysis", "resolution", "articles", "similar")
            },
        }
        return Response(InsightsSerializer(body).data)

    @extend_schema(request=None, responses={202: None, **errors(403)})
    def regenerate(self, request, workspace_slug=None, number=None):
        handlers.insight_queue(ticket=self._ticket(), force=True)
        return Response(status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=FeedbackSerializer,
        responses={201: FeedbackSerializer, **errors(400, 403)},
    )
    def feedback(self, request, workspace_slug=None, number=None):
        ticket = self._ticket()
        serializer = FeedbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        insight = selectors.insight_latest(ticket=ticket)
        services.feedback_record(
            ticket=ticket,
            user=request.user,
            provider=insight.provider if insight else "",
            **serializer.validated_data,
        )
        return Response(serializer.data, status=status.HTTP_201_CREATED)

"""The API's tickets: list (every list filter, search, ordering, cursor pages),
create, retrieve by number or ref, edit with If-Match, delete, and the verbs
(transition, assign, snooze, comments, events, history, bulk, stats)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from helpdesk.api import WorkspaceViewMixin, errors
from helpdesk.lib.api import CursorPagination, PreconditionRequired
from helpdesk.lib.api_input import refuse_unknown_params
from helpdesk.lib.errors import StaleVersion
from helpdesk.lib.idempotency import idempotent
from helpdesk.lib.parsing import parse_int
from tickets import bulk, selectors, services
from tickets.api import rows
from tickets.api import serializers as s
from tickets.api.base import (
    IDEMPOTENCY_KEY,
    IF_MATCH,
    IF_MATCH_REQUIRED,
    CreatedCursorPagination,
)
from tickets.api.fields import save_requester
from tickets.filters import TicketFilterSet
from tickets.models import Attachment, Ticket
from tickets.refs import parse_ref

# --- pagination and filtering ---


class TicketCursorPagination(CursorPagination):
    """Cursor pages in the filterset's (stable) order."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-created_at", "-id")

    def get_ordering(self, request, queryset, view):
        return getattr(view, "ticket_ordering", None) or self.ordering


# Query parameters of the list beside the filters: paging and the total.
PAGING_PARAMS = {"cursor", "page_size", "count", "format"}


def query_names(filterset: TicketFilterSet) -> set[str]:
    """The query parameter names the filters read (a date range reads
    `created_after` and `created_before`)."""
    names = set()
    for name, field in filterset.form.fields.items():
        widget = field.widget
        suffixes = getattr(widget, "suffixes", None)
        names.update(
            (widget.suffixed(name, suffix) for suffix in suffixes)
            if suffixes
            else [name]
        )
    return names


def check_query(request, filterset: TicketFilterSet, extra=PAGING_PARAMS) -> None:
    """A misspelt filter is a 400 naming it, not a list of everything."""
    refuse_unknown_params(request.query_params, query_names(filterset) | extra)


class TicketFilterBackend(DjangoFilterBackend):
    """django-filter with TicketFilterSet; remembers the order for the paginator."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        check_query(request, filterset)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        view.ticket_ordering = filterset.ordering_fields()
        return filterset.qs


# --- tickets ---


def _etag(ticket: Ticket) -> str:
    return f'"{ticket.version}"'


def _if_match_version(request, *, required: bool) -> int | None:
    """The version named by If-Match; None for `*` or (when optional) no header."""
    header = (request.headers.get("If-Match") or "").strip()
    if not header:
        if required:
            raise PreconditionRequired()
        return None
    if header == "*":
        return None
    value = header.split(",")[0].strip()
    version = parse_int(value.removeprefix("W/").strip('"'), minimum=0)
    if version is None:
        raise StaleVersion(
            f"If-Match {header!r} does not name a version of this ticket."
        )
    return version


def _with_etag(response: Response, ticket: Ticket) -> Response:
    response["ETag"] = _etag(ticket)
    return response


@extend_schema_view(
    list=extend_schema(
        summary="List tickets",
        description="Filtered, searched and ordered with the list filters; cursor "
        "pages.",
        responses={200: s.TicketSerializer(many=True), **errors(400, 403)},
    ),
    retrieve=extend_schema(
        summary="Get a ticket by number or ref (42, #42, TKT-42)",
        responses={200: s.TicketDetailSerializer, **errors(403)},
    ),
    create=extend_schema(
        summary="Create a ticket",
        parameters=[IDEMPOTENCY_KEY],
        request=s.TicketCreateSerializer,
        responses={201: s.TicketDetailSerializer, **errors(400, 403, 422)},
    ),
    partial_update=extend_schema(
        summary="Edit a ticket (If-Match required)",
        description="The status is changed with the transition verb, not here.",
        parameters=[IF_MATCH_REQUIRED],
        request=s.TicketUpdateSerializer,
        responses={200: s.TicketDetailSerializer, **errors(400, 403, 412, 428)},
    ),
    destroy=extend_schema(
        summary="Delete a ticket (managers and admins)",
        responses={204: None, **errors(403)},
    ),
)
class TicketViewSet(
    WorkspaceViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    lookup_field = "ref"
    lookup_value_regex = "[^/]+"
    filter_backends = [TicketFilterBackend]
    filterset_class = TicketFilterSet
    pagination_class = TicketCursorPagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    action_permissions = {
        "create": "ticket.create",
        "partial_update": "ticket.edit",
        "transition": "ticket.edit",
        "assign": "ticket.edit",
        "snooze": "ticket.edit",
        "unsnooze": "ticket.edit",
        "destroy": "ticket.delete",
        "bulk": "ticket.bulk",
    }

    def permission_for(self, action_name):
        if action_name == "comments" and self.request.method == "POST":
            return "ticket.comment"
        return super().permission_for(action_name)

    def get_serializer_class(self):
        return {
            "retrieve": s.TicketDetailSerializer,
            "create": s.TicketCreateSerializer,
            "partial_update": s.TicketUpdateSerializer,
        }.get(self.action, s.TicketSerializer)

    def get_renderers(self):
        renderers = super().get_renderers()
        if self.action != "list":
            return renderers
        return [
            rows.RowsJSONRenderer() if type(r) is JSONRenderer else r for r in renderers
        ]

    def list(self, request, *args, **kwargs):
        """TicketSerializer's rows, read and written without its per-field
        machinery (tickets.api.rows)."""
        queryset = self.filter_queryset(self.get_queryset())
        ordering = self.paginator.get_ordering(request, queryset, self)
        page = self.paginate_queryset(
            rows.page_values(queryset, ordering[0].lstrip("-"))
        )
        return self.get_paginated_response(
            rows.ticket_rows(page, queryset, self.get_serializer_context())
        )

    def get_queryset(self) -> QuerySet[Ticket]:
        if self.is_schema:
            return Ticket.objects.none()
        return selectors.ticket_list(membership=self.membership)

    def _number(self) -> int:
        try:
            return parse_ref(
                self.kwargs["ref"], self.membership.workspace.ticket_prefix
            )
        except ValueError:
            raise Http404("No such ticket.") from None

    def get_object(self) -> Ticket:
        try:
            return selectors.ticket_get_detailed(
                membership=self.membership, number=self._number()
            )
        except Ticket.DoesNotExist:
            raise Http404("No such ticket.") from None

    def _detail(self, ticket: Ticket, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.ticket_get_detailed(
            membership=self.membership, number=ticket.number
        )
        data = s.TicketDetailSerializer(fresh, context=self.get_serializer_context())
        return _with_etag(Response(data.data, status=code), fresh)

    def retrieve(self, request, *args, **kwargs):
        ticket = self.get_object()
        response = _with_etag(Response(self.get_serializer(ticket).data), ticket)
        return response

    def create(self, request, *args, **kwargs):
        def do_create() -> Response:
            serializer = s.TicketCreateSerializer(
                data=request.data, context=self.get_serializer_context()
            )
            serializer.is_valid(raise_exception=True)
            values = dict(serializer.validated_data)
            save_requester(values)
            ticket = services.ticket_create(
                workspace=self.membership.workspace,
                actor=request.user,
                source=Ticket.Source.API,
                **values,
            )
            return self._detail(ticket, status.HTTP_201_CREATED)

        return idempotent(
            request, workspace=self.membership.workspace, create=do_create
        )

    def partial_update(self, request, *args, **kwargs):
        ticket = self.get_object()
        expected = _if_match_version(request, required=True)
        serializer = s.TicketUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        tags = changes.pop("tags", None)
        with transaction.atomic():  # a refused edit makes no new contact
            save_requester(changes)
            ticket = services.ticket_update(
                ticket=ticket,
                actor=request.user,
                changes=changes,
                tags=tags,
                expected_version=expected,
            )
        return self._detail(ticket)

    def destroy(self, request, *args, **kwargs):
        services.ticket_delete(ticket=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- verbs ---

    @extend_schema(
        summary="Change status (optionally with a comment)",
        parameters=[IF_MATCH],
        request=s.TransitionSerializer,
        responses={200: s.TicketDetailSerializer, **errors(400, 403, 409, 412)},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, *args, **kwargs):
        ticket = self.get_object()
        data = self._input(s.TransitionSerializer, request)
        ticket = services.ticket_change_status(
            ticket=ticket,
            to=data["status"],
            actor=request.user,
            comment=data.get("comment", ""),
            expected_version=_if_match_version(request, required=False),
        )
        return self._detail(ticket)

    @extend_schema(
        summary="Assign to a member (or null to unassign)",
        parameters=[IF_MATCH],
        request=s.AssignSerializer,
        responses={200: s.TicketDetailSerializer, **errors(400, 403, 412)},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, *args, **kwargs):
        ticket = self.get_object()
        data = self._input(s.AssignSerializer, request)
        ticket = services.ticket_assign(
            ticket=ticket,
            assignee=data["assignee"],
            actor=request.user,
            expected_version=_if_match_version(request, required=False),
        )
        return self._detail(ticket)

    @extend_schema(
        summary="Snooze until a time",
        request=s.SnoozeSerializer,
        responses={200: s.TicketDetailSerializer, **errors(400, 403)},
    )
    @action(detail=True, methods=["post"])
    def snooze(self, request, *args, **kwargs):
        ticket = self.get_object()
        data = self._input(s.SnoozeSerializer, request)
        ticket = services.ticket_snooze(
            ticket=ticket, until=data["until"], actor=request.user
        )
        return self._detail(ticket)

    @extend_schema(
        summary="End a snooze now",
        request=None,
        responses={200: s.TicketDetailSerializer, **errors(403)},
    )
    @action(detail=True, methods=["post"])
    def unsnooze(self, request, *args, **kwargs):
        ticket = services.ticket_unsnooze(ticket=self.get_object(), actor=request.user)
        return self._detail(ticket)

    @extend_schema(
        methods=["GET"],
        summary="List comments",
        parameters=[
            OpenApiParameter("cursor", OpenApiTypes.STR),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses={200: s.CommentSerializer(many=True), **errors(403)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Add an internal or public comment (@username mentions members)",
        parameters=[IDEMPOTENCY_KEY],
        request=s.CommentSerializer,
        responses={201: s.CommentSerializer, **errors(400, 403, 422)},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def comments(self, request, *args, **kwargs):
        ticket = self.get_object()
        if request.method == "GET":
            queryset = ticket.comments.select_related("author").prefetch_related(
                "mentions",
                Prefetch(
                    "attachments",
                    queryset=Attachment.objects.select_related("workspace"),
                ),
            )
            return self._paginated(queryset, s.CommentSerializer)

        def do_create() -> Response:
            data = self._input(s.CommentSerializer, request)
            post = {
                "ticket": ticket,
                "actor": request.user,
                "body": data["body"],
                "is_public": data.get("is_public", False),
                "attachments": data.get("files", []),
                "route": data.get("route", ""),
            }
            comment = (
                services.macro_apply(macro=data["macro"], **post)
                if data.get("macro")
                else services.comment_add(**post)
            )
            return Response(
                s.CommentSerializer(comment).data, status=status.HTTP_201_CREATED
            )

        return idempotent(
            request, workspace=self.membership.workspace, create=do_create
        )

    @extend_schema(
        summary="The ticket's timeline",
        parameters=[
            OpenApiParameter("cursor", OpenApiTypes.STR),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses={200: s.EventSerializer(many=True), **errors(403)},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def events(self, request, *args, **kwargs):
        ticket = self.get_object()
        return self._paginated(
            selectors.ticket_events(ticket=ticket), s.EventSerializer
        )

    @extend_schema(
        summary="Field-level change history (who, when, old and new values)",
        responses={200: s.HistoryEntrySerializer(many=True), **errors(403)},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def history(self, request, *args, **kwargs):
        entries = selectors.ticket_history(ticket=self.get_object())
        return Response(s.HistoryEntrySerializer(entries, many=True).data)

    @extend_schema(
        summary="Apply one action to many tickets",
        description="Select by `tickets` (numbers or refs) or by `filters` (the list "
        "filters). One transaction; the answer lists per ticket what was applied and "
        "what was refused and why. `delete` needs a manager or admin.",
        request=s.BulkSerializer,
        responses={200: s.BulkResultSerializer, **errors(400, 403)},
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def bulk(self, request, *args, **kwargs):
        data = self._input(s.BulkSerializer, request)
        queryset = selectors.ticket_list(membership=self.membership)
        if "tickets" in data:
            tickets = bulk.select_by_refs(
                queryset,
                data["tickets"],
                prefix=self.membership.workspace.ticket_prefix,
            )
        else:
            tickets = bulk.select_by_filters(
                TicketFilterSet(
                    data["filters"], queryset=queryset, membership=self.membership
                )
            )
        result = bulk.ticket_bulk(
            membership=self.membership,
            action=data["action"],
            tickets=tickets,
            params=data.get("params") or {},
        )
        return Response(result.as_dict())

    @extend_schema(
        summary="Counts by status for the current filters (the stats bar)",
        description="Takes the list filters; the `status` filter is ignored so every "
        "status has its count. As on the tickets page, each count stops at "
        f"{selectors.COUNT_CAP:,}: `capped` says that one did, and `total` is then a "
        "lower bound.",
        responses={200: s.StatsSerializer, **errors(400, 403)},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def stats(self, request, *args, **kwargs):
        params = request.query_params.copy()
        params.pop("status", None)
        params.pop("ordering", None)
        filterset = TicketFilterSet(
            params, queryset=self.get_queryset(), membership=self.membership
        )
        check_query(request, filterset, extra={"format"})
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        counts = selectors.ticket_status_counts(filterset.qs)
        total = selectors.Tally.total(counts.values())
        return Response({"total": total, "by_status": counts, "capped": total.capped})

    # --- helpers ---

    def _input(self, serializer_class, request) -> dict:
        serializer = serializer_class(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _paginated(self, queryset, serializer_class) -> Response:
        paginator = CreatedCursorPagination()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response(serializer_class(page, many=True).data)

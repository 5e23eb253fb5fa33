"""GET /api/v1/workspaces/{slug}/tickets/export/: the filtered tickets as CSV.

The same file as every other ticket export (tickets.exports.exporter): the same
columns and escaping, streamed at four queries per chunk of rows, with the list's
filters (TicketFilterSet). Managers and admins only.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.renderers import JSONRenderer

from helpdesk.api import WorkspaceViewMixin, errors
from tickets import selectors
from tickets.api.tickets import TicketFilterBackend
from tickets.exports import exporter
from tickets.filters import TicketFilterSet
from tickets.models import Ticket


class ExportSchema(AutoSchema):
    """Documents the list's filters, which the export takes (one file, not a list
    of objects, so drf-spectacular would leave them out)."""

    def get_filter_backends(self):
        return getattr(self.view, "filter_backends", [])


class TicketExportView(WorkspaceViewMixin, generics.GenericAPIView):
    schema = ExportSchema()
    default_permission = "ticket.export"
    filter_backends = [TicketFilterBackend]
    filterset_class = TicketFilterSet
    pagination_class = None

    def get_queryset(self):
        if self.is_schema:
            return Ticket.objects.none()
        return selectors.ticket_list(membership=self.membership)

    def perform_content_negotiation(self, request, force=False):
        # The answer is CSV (streamed) or a JSON error, whatever the Accept header.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        summary="Export the filtered tickets as CSV (the export's columns)",
        description="Takes the list's filters. Cells that a spreadsheet would run "
        "as a formula are prefixed with an apostrophe.",
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="The CSV file, streamed."
            ),
            **errors(400, 403),
        },
    )
    def get(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        return exporter.streaming_csv_response(
            queryset, exporter.export_filename(self.membership.workspace.slug)
        )

"""Exporting keeps memory flat: the peak while streaming 10x more rows stays about
the same, because rows are read and written one chunk at a time."""

import tracemalloc

import pytest
from django.utils import timezone

from helpdesk.models import Membership
from tickets.exports import exporter
from tickets.models import Ticket
from tickets.selectors import ticket_list

pytestmark = pytest.mark.django_db


def _bulk_tickets(workspace, start: int, count: int) -> None:
    # Benchmark data is inserted in bulk; the product only writes through services.
    now = timezone.now()
    Ticket.objects.bulk_create(
        Ticket(
            workspace=workspace,
            number=start + n,
            subject=f"Bulk ticket {start + n} " + "x" * 80,
            content="y" * 400,
            created_at=now,
        )
        for n in range(count)
    )


def _peak_while_streaming(membership) -> tuple[int, int]:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline, _ = tracemalloc.get_traced_memory()
        rows = 0
        for _line in exporter.iter_csv_lines(ticket_list(membership=membership)):
            rows += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return rows - 1, peak - baseline


def test_peak_memory_does_not_grow_with_the_number_of_rows(
    workspace, manager, settings
):
    settings.EXPORT_CHUNK_SIZE = 100
    membership = Membership.objects.select_related("workspace").get(user=manager)
    _bulk_tickets(workspace, 1, 300)
    small_rows, small_peak = _peak_while_streaming(membership)
    _bulk_tickets(workspace, 301, 2700)
    large_rows, large_peak = _peak_while_streaming(membership)

    assert (small_rows, large_rows) == (300, 3000)
    # Ten times the rows, less than twice the peak (a list would need ~10x).
    assert large_peak < 2 * small_peak, (small_peak, large_peak)

"""The sync-status filter the ticket FilterSet uses: synced, pending, error or
not_connected."""

from django.db.models import Exists, OuterRef, QuerySet

from integrations.models import ExternalLink

SYNC_STATUS_CHOICES = [
    ("synced", "Synced"),
    ("pending", "Pending"),
    ("error", "Error"),
    ("not_connected", "Not connected"),
]


def filter_tickets_by_sync_status(queryset: QuerySet, value: str) -> QuerySet:
    """Tickets whose external sync stands at `value`. A ticket with several links is
    in error if any is, else pending if any is, else synced."""
    links = ExternalLink.objects.filter(ticket=OuterRef("pk"))
    error = Exists(links.filter(state=ExternalLink.State.ERROR))
    pending = Exists(links.filter(state=ExternalLink.State.PENDING))
    if value == "not_connected":
        return queryset.filter(~Exists(links))
    if value == "error":
        return queryset.filter(error)
    if value == "pending":
        return queryset.filter(pending, ~error)
    if value == "synced":
        return queryset.filter(Exists(links), ~error, ~pending)
    return queryset

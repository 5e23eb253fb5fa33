"""What integrations adds to ticket lists (IntegrationsConfig.ready() adds them):
the `sync_status` filter of TicketFilterSet (synced, pending, error or
not_connected) and each row's external links."""

from django.db.models import Exists, OuterRef, QuerySet

from integrations.models import ExternalLink
from tickets.filters import MemberChoiceFilter

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


def _filter_for_member(queryset: QuerySet, value: str, *, membership) -> QuerySet:
    return filter_tickets_by_sync_status(queryset, value)


def sync_status_filter() -> MemberChoiceFilter:
    """The ticket list's `sync_status` filter."""
    return MemberChoiceFilter(
        choices=SYNC_STATUS_CHOICES,
        apply=_filter_for_member,
        help_text="External sync state: synced, pending, error or not_connected.",
    )


def prefetch_external_links(queryset: QuerySet) -> QuerySet:
    """Each ticket's external links (the list's sync column), in one extra query."""
    return queryset.prefetch_related("external_links")

"""Reads of tickets: scoping and the joins a list needs, so 1 row costs what 50 do."""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet

from helpdesk.models import Membership
from helpdesk.tenancy import scoped
from tickets.models import Tag, Ticket, TicketEvent
from tickets.refs import parse_ref

# The full-text document of a ticket. The GIN index of migration
# `tickets.0002_ticket_search_index` is built on exactly this expression, so keep the
# two in step (tests/api/test_search.py checks that PostgreSQL uses the index).
SEARCH_CONFIG = "english"
SEARCH_VECTOR = (
    SearchVector("subject", weight="A", config=SEARCH_CONFIG)
    + SearchVector("question", weight="B", config=SEARCH_CONFIG)
    + SearchVector("content", "answer", weight="C", config=SEARCH_CONFIG)
)
SEARCH_TEXT_FIELDS = ("subject", "content", "question", "answer")
SEARCH_REQUESTER_FIELDS = ("requester__name", "requester__email")
MAX_SEARCH_WORDS = 10


def ticket_list(*, membership: Membership) -> QuerySet[Ticket]:
    """The member's workspace's tickets with what a list row shows, newest first."""
    return (
        scoped(Ticket.objects.all(), membership.workspace)
        .select_related("workspace", "assignee", "team", "requester", "label__parent")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .order_by("-created_at", "-id")
    )


def ticket_get(*, membership: Membership, number: int) -> Ticket:
    """One ticket by number; Ticket.DoesNotExist when it is not in the workspace."""
    return ticket_list(membership=membership).get(number=number)


def ticket_events(*, ticket: Ticket) -> QuerySet[TicketEvent]:
    return ticket.events.select_related("actor").order_by("created_at", "id")


def search_is_ranked() -> bool:
    """Whether searches are ranked (PostgreSQL full text) or plain word matching."""
    return connection.vendor == "postgresql"


def ticket_search(queryset: QuerySet[Ticket], q: str, *, prefix: str) -> QuerySet:
    """Tickets of `queryset` matching `q`.

    A ticket reference (`42`, `#42`, `TKT-42`) finds that ticket. Otherwise every word
    must occur in the subject, content, question, answer or the requester's name or
    e-mail. PostgreSQL uses full-text search (stemmed, ranked: `search_rank`), with
    the requester matched by substring; elsewhere each word is matched as a
    case-insensitive substring, which gives the same results for simple words.
    """
    q = " ".join((q or "").split())
    if not q:
        return queryset
    try:
        return queryset.filter(number=parse_ref(q, prefix))
    except ValueError:
        pass
    words = q.split()[:MAX_SEARCH_WORDS]
    requester_match = Q()
    for word in words:
        requester_match &= Q(requester__name__icontains=word) | Q(
            requester__email__icontains=word
        )
    if search_is_ranked():
        query = SearchQuery(q, search_type="plain", config=SEARCH_CONFIG)
        return (
            queryset.annotate(search_rank=SearchRank(SEARCH_VECTOR, query))
            .annotate(search_document=SEARCH_VECTOR)
            .filter(Q(search_document=query) | requester_match)
        )
    text_match = Q()
    for word in words:
        any_field = Q()
        for name in (*SEARCH_TEXT_FIELDS, *SEARCH_REQUESTER_FIELDS):
            any_field |= Q(**{f"{name}__icontains": word})
        text_match &= any_field
    return queryset.filter(text_match)


def ticket_status_counts(queryset: QuerySet[Ticket]) -> dict[str, int]:
    """How many of `queryset`'s tickets are in each status (every status listed)."""
    counts = dict(
        queryset.order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    from tickets import workflow

    return {status: counts.get(status, 0) for status in workflow.Status.values}

"""Reads of tickets: scoping and the joins a list needs, so 1 row costs what 50 do."""

from collections.abc import Callable

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from helpdesk.lib.history import history_entries
from helpdesk.models import Contact, Membership, Workspace
from helpdesk.tenancy import scoped
from tickets.models import (
    Attachment,
    Comment,
    Conversation,
    Macro,
    Tag,
    Ticket,
    TicketEvent,
)
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
# Requesters matched by name or e-mail are looked up first, at most this many.
MAX_CONTACTS = 500


ListPrefetch = Callable[[QuerySet[Ticket]], QuerySet[Ticket]]
_list_prefetches: list[ListPrefetch] = []


def add_list_prefetch(prefetch: ListPrefetch) -> None:
    """Have every ticket list load what another app shows on a row (its SLA clocks,
    its sync links): called from that app's AppConfig.ready(); adding the same
    function again does nothing."""
    if prefetch not in _list_prefetches:
        _list_prefetches.append(prefetch)


def ticket_list(*, membership: Membership) -> QuerySet[Ticket]:
    """The member's workspace's tickets with what a list row shows, newest first."""
    queryset = (
        scoped(Ticket.objects.all(), membership.workspace)
        .select_related(
            "workspace", "assignee", "created_by", "team", "requester", "label__parent"
        )
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .order_by("-created_at", "-id")
    )
    for prefetch in _list_prefetches:
        queryset = prefetch(queryset)
    return queryset


def ticket_get(*, membership: Membership, number: int) -> Ticket:
    """One ticket by number; Ticket.DoesNotExist when it is not in the workspace."""
    return ticket_list(membership=membership).get(number=number)


def ticket_events(*, ticket: Ticket) -> QuerySet[TicketEvent]:
    return ticket.events.select_related("actor").order_by("created_at", "id")


def search_is_ranked() -> bool:
    """Whether searches are ranked (PostgreSQL full text) or plain word matching."""
    return connection.vendor == "postgresql"


def ticket_search(
    queryset: QuerySet[Ticket],
    q: str,
    *,
    prefix: str,
    workspace: Workspace | None = None,
) -> QuerySet:
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
    contact_match = Q()
    for word in words:
        contact_match &= Q(name__icontains=word) | Q(email__icontains=word)
    contacts = Contact.objects.filter(contact_match)
    if workspace is not None:
        contacts = contacts.filter(workspace=workspace)
    # Ids rather than a join or subquery, so PostgreSQL can OR the requester_id index
    # with the GIN index scan.
    requester_match = Q(
        requester_id__in=list(contacts.values_list("pk", flat=True)[:MAX_CONTACTS])
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


# The agent pages count tickets on every request. Counting a million rows exactly
# costs a scan of them all, so their counts stop at COUNT_CAP and show "1,000+"
# (as many as one bulk action takes).
COUNT_CAP = 1_000


class Tally(int):
    """A count that may have stopped at its cap; shown as "1,000+" when it did."""

    capped: bool

    def __new__(cls, value: int, cap: int = COUNT_CAP):
        tally = super().__new__(cls, min(value, cap))
        tally.capped = value > cap
        return tally

    def __str__(self) -> str:
        return f"{int(self):,}+" if self.capped else str(int(self))

    @classmethod
    def total(cls, tallies) -> "Tally":
        """The sum of several tallies: "at least" when any of them stopped."""
        tallies = list(tallies)
        result = int.__new__(cls, sum(tallies))
        result.capped = any(tally.capped for tally in tallies)
        return result


def capped_counts(
    querysets: dict[str, QuerySet], cap: int | None = None
) -> dict[str, Tally]:
    """The count of each queryset, exact up to `cap`, all in one query: each is
    `SELECT COUNT(*) FROM (… LIMIT cap + 1)`, so none reads more than cap + 1 rows."""
    cap = cap or COUNT_CAP
    empty = {name for name, queryset in querysets.items() if queryset.query.is_empty()}
    counts = {name: Tally(0, cap) for name in empty}
    querysets = {name: qs for name, qs in querysets.items() if name not in empty}
    if not querysets:
        return counts
    parts, params = [], []
    for queryset in querysets.values():
        sql, part_params = (
            queryset.order_by().values("pk")[: cap + 1].query.sql_with_params()
        )
        # The SQL is compiled by the ORM with its values as parameters.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped)")  # noqa: S608
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    counts.update({name: Tally(n, cap) for name, n in zip(querysets, row, strict=True)})
    return counts


def ticket_status_counts(queryset: QuerySet[Ticket]) -> dict[str, Tally]:
    """How many of `queryset`'s tickets are in each status (every status listed), in
    one query. Like every count the agent pages and the API show, each stops at
    COUNT_CAP (a Tally: `capped` when it did, shown as "1,000+"), so the stats bar
    costs the same for a thousand tickets as for a million."""
    from tickets import workflow

    return capped_counts(
        {status: queryset.filter(status=status) for status in workflow.Status.values}
    )


def ticket_get_detailed(*, membership: Membership, number: int) -> Ticket:
    """One ticket with what its detail shows besides the list row's joins (creator,
    conversations, rule, comment and event counts); Ticket.DoesNotExist when it is
    not in the workspace."""
    comments = (
        Comment.objects.filter(ticket=OuterRef("pk"))
        .order_by()
        .values("ticket")
        .annotate(n=Count("id"))
        .values("n")
    )
    events = (
        TicketEvent.objects.filter(ticket=OuterRef("pk"))
        .order_by()
        .values("ticket")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        ticket_list(membership=membership)
        .select_related(
            "created_by", "primary_conversation__contact", "escalation_rule"
        )
        .prefetch_related(
            Prefetch(
                "associated_conversations",
                queryset=Conversation.objects.select_related("contact"),
            )
        )
        .annotate(
            comment_count=Coalesce(Subquery(comments), 0),
            event_count=Coalesce(Subquery(events), 0),
        )
        .get(number=number)
    )


def ticket_history(*, ticket: Ticket, limit: int | None = None) -> list[dict]:
    """The ticket's field-level audit, newest first (the latest `limit` entries): who,
    when, why, and each changed field's old and new value (helpdesk.lib.history). One
    query; the History tab, the API and the admin show the same entries."""
    records = ticket.history.select_related("history_user").order_by(
        "-history_date", "-history_id"
    )
    if limit is None:
        return history_entries(list(records))
    page = list(records[: limit + 1])
    return history_entries(page, complete=len(page) <= limit)


def attachment_get(*, membership: Membership, key) -> Attachment:
    """One attachment of the member's workspace by its public key; else
    Attachment.DoesNotExist (another workspace's file is not told apart)."""
    return scoped(Attachment.objects.all(), membership.workspace).get(key=key)


def macros_for(*, membership: Membership) -> QuerySet[Macro]:
    """The workspace's macros and the member's personal ones, by name."""
    return (
        scoped(Macro.objects.all(), membership.workspace)
        .filter(Q(owner__isnull=True) | Q(owner=membership.user))
        .select_related("owner", "set_assignee")
        .order_by("name", "id")
    )

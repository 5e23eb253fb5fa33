"""Reads of tickets: scoping and the joins a list needs, so 1 row costs what 50 do."""

import re
from collections.abc import Callable

from django.contrib.postgres.search import (
    SearchQuery,
    SearchVector,
    SearchVectorExact,
    SearchVectorField,
)
from django.db import connection
from django.db.models import (
    Count,
    Expression,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
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
# `tickets.0002_ticket_search_index` and the stored column `search_document` of
# `tickets.0016_ticket_search_document` are built on exactly this expression, so keep
# them in step (tests/api/test_search.py checks both).
SEARCH_CONFIG = "english"
SEARCH_VECTOR = (
    SearchVector("subject", weight="A", config=SEARCH_CONFIG)
    + SearchVector("question", weight="B", config=SEARCH_CONFIG)
    + SearchVector("content", "answer", weight="C", config=SEARCH_CONFIG)
)


class SearchDocument(Expression):
    """The ticket's stored SEARCH_VECTOR (PostgreSQL only): a column the database
    generates, so the model does not declare it (SQLite has no such column)."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return f"{table}.search_document", []


SEARCH_TEXT_FIELDS = ("subject", "content", "question", "answer")
# Requesters matched by name or e-mail are looked up first; up to this many are
# passed on as ids (see _requester_match).
REQUESTER_IDS_LISTED = 1_000
# The words of a full-text query: letters and digits (`c42@x.test` gives c42, x, test).
_TOKEN = re.compile(r"[^\W_]+")


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
    """Whether text is searched with PostgreSQL full text (stemmed words, ranked where
    a caller ranks) or by plain substrings (SQLite)."""
    return connection.vendor == "postgresql"


def ticket_search(
    queryset: QuerySet[Ticket],
    q: str,
    *,
    prefix: str,
    workspace: Workspace | None = None,
) -> QuerySet:
    """Tickets of `queryset` matching `q`, every match (ordered by the caller; the
    lists put them newest first, see docs/search.md).

    A ticket reference (`42`, `#42`, `TKT-42`) finds that ticket. Otherwise a ticket
    matches when all the words occur in its subject, content, question or answer, the
    last word as a prefix (`refund invo` finds "refund invoice": the search box
    filters as you type), or when all occur in its requester's name or e-mail, as
    fragments (`x.test`, `smi`). PostgreSQL matches the text by full text (stemmed;
    the stored SearchDocument and its GIN index), SQLite by substrings; requesters
    are matched by substring on both (trigram indexes on PostgreSQL).
    """
    q = " ".join((q or "").split())
    if not q:
        return queryset
    try:
        return queryset.filter(number=parse_ref(q, prefix))
    except ValueError:
        pass
    words = q.split()
    return queryset.filter(
        _requester_match(words, workspace) | _text_match(words),
    )


def _requester_match(words: list[str], workspace: Workspace | None) -> Q:
    """Tickets whose requester's name or e-mail holds every word. Up to
    REQUESTER_IDS_LISTED matching contacts go in as ids, which PostgreSQL ORs with
    the text index; past that, each ticket read checks its own requester through the
    join the list has anyway: a match that common fills a page after a few rows read
    newest first, where collecting 100,000 matching contacts first took 500 ms.
    Either way, every match."""

    def holds_every_word(prefix: str = "") -> Q:
        match = Q()
        for word in words:
            match &= Q(**{f"{prefix}name__icontains": word}) | Q(
                **{f"{prefix}email__icontains": word}
            )
        return match

    contacts = Contact.objects.filter(holds_every_word()).order_by()
    if workspace is not None:
        contacts = contacts.filter(workspace=workspace)
    ids = list(contacts.values_list("pk", flat=True)[: REQUESTER_IDS_LISTED + 1])
    if len(ids) > REQUESTER_IDS_LISTED:
        return holds_every_word("requester__")
    return Q(requester_id__in=ids)


def _text_match(words: list[str]) -> Q:
    """Every word in the ticket's text, the last one as a prefix; punctuation is
    dropped (`(refund)` is `refund`)."""
    tokens = [token for word in words for token in _TOKEN.findall(word)]
    if not tokens:
        return Q(pk__in=[])
    if search_is_ranked():
        # Tokens are letters and digits only, so the raw query cannot be malformed.
        raw = " & ".join(f"'{token}'" for token in tokens) + ":*"
        query = SearchQuery(raw, search_type="raw", config=SEARCH_CONFIG)
        return Q(SearchVectorExact(SearchDocument(), query))
    match = Q()
    for token in tokens:
        any_field = Q()
        for name in SEARCH_TEXT_FIELDS:
            any_field |= Q(**{f"{name}__icontains": token})
        match &= any_field
    return match


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

"""Reads of the knowledge base and of what the insights compare a ticket with:
articles by search, the articles and tickets most like a ticket. PostgreSQL ranks
with full text (and trigram similarity of titles); elsewhere plain word matching
gives the same order for simple words."""

import re

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramWordSimilarity,
)
from django.db.models import Count, F, FloatField, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from helpdesk.models import Workspace
from helpdesk.tenancy import scoped
from knowledge.models import Article, InsightFeedback
from tickets.models import Comment, Ticket
from tickets.selectors import SEARCH_CONFIG, SEARCH_VECTOR, search_is_ranked

# The GIN index of migration knowledge.0002_article_search_index is built on exactly
# this expression (tests/knowledge/test_search.py checks PostgreSQL uses it).
ARTICLE_VECTOR = SearchVector("title", weight="A", config=SEARCH_CONFIG) + SearchVector(
    "body", weight="C", config=SEARCH_CONFIG
)
# ts_rank normalisation 1: divide by 1 + log(length), so long articles do not win
# by length alone.
RANK_NORMALISATION = 1
MAX_TERMS = 24
# Similar tickets are ranked among at most this many full-text matches, so one
# ticket's insights cost the same at a thousand tickets as at a million.
MAX_CANDIDATES = 400
_WORD = re.compile(r"[a-z0-9]{3,}")
# Words every ticket has: they match everything and rank nothing.
_COMMON_TEXT = (
    "the and for you your with this that have has had was were are not but can "
    "cannot could would should will what when where which who how why from they "
    "them their there here been being its just also any all our out get got please "
    "thanks thank hello dear regards team help need want like still now again "
    "one two into over some than then very after before about because does did "
    "doesn don didn won isn wasn aren hi hey"
)
_COMMON = frozenset(_COMMON_TEXT.split())


def terms(*texts: str) -> list[str]:
    """The distinct content words of `texts`, in order, at most MAX_TERMS."""
    seen: dict[str, None] = {}
    for text in texts:
        for word in _WORD.findall((text or "").lower()):
            if word not in _COMMON:
                seen.setdefault(word, None)
    return list(seen)[:MAX_TERMS]


def any_of(words: list[str]) -> SearchQuery:
    """A full-text query matching documents with any of `words` (stemmed)."""
    return SearchQuery(
        " or ".join(words), search_type="websearch", config=SEARCH_CONFIG
    )


def article_list(*, workspace: Workspace, published_only=False) -> QuerySet[Article]:
    """The workspace's articles with what a list row shows, newest first."""
    queryset = scoped(Article.objects.all(), workspace).select_related(
        "author", "label__parent"
    )
    if published_only:
        queryset = queryset.filter(status=Article.Status.PUBLISHED)
    return queryset.order_by("-updated_at", "-id")


def article_search(queryset: QuerySet[Article], q: str) -> QuerySet[Article]:
    """Articles of `queryset` with every word of `q` (like the ticket search: stemmed
    and ranked as `search_rank` on PostgreSQL, substrings elsewhere)."""
    q = " ".join((q or "").split())
    if not q:
        return queryset
    if search_is_ranked():
        query = SearchQuery(q, search_type="plain", config=SEARCH_CONFIG)
        return (
            queryset.annotate(search_document=ARTICLE_VECTOR)
            .filter(search_document=query)
            .annotate(search_rank=SearchRank(ARTICLE_VECTOR, query))
            .order_by("-search_rank", "-id")
        )
    match = Q()
    for word in q.split()[:10]:
        match &= Q(title__icontains=word) | Q(body__icontains=word)
    return queryset.filter(match)


def related_articles(
    *, workspace: Workspace, words: list[str], title_text: str, limit: int = 5
) -> list[tuple[Article, float]]:
    """The published articles that best match `words`, with a score in 0..1."""
    if not words:
        return []
    published = article_list(workspace=workspace, published_only=True)
    if search_is_ranked():
        query = any_of(words)
        rows = (
            published.annotate(search_document=ARTICLE_VECTOR)
            .filter(search_document=query)
            .annotate(
                text_rank=SearchRank(
                    ARTICLE_VECTOR, query, normalization=Value(RANK_NORMALISATION)
                ),
                title_similarity=TrigramWordSimilarity(title_text[:200], "title"),
            )
            .annotate(score=F("text_rank") + F("title_similarity") * Value(0.1))
            .order_by("-score", "-id")[:limit]
        )
        return [(a, a.score) for a in rows]
    return _plain_best(published, words, limit)


def _plain_best(articles: QuerySet[Article], words: list[str], limit: int):
    """Without full text: the share of `words` each article contains, best first."""
    scored = []
    for article in articles[:500]:
        text = f"{article.title} {article.title} {article.body}".lower()
        hits = sum(1 for w in words if w in text)
        if hits:
            scored.append((article, hits / len(words)))
    scored.sort(key=lambda pair: (-pair[1], -pair[0].pk))
    return scored[:limit]


def similar_tickets(
    *, ticket: Ticket, words: list[str], limit: int = 5
) -> list[tuple[Ticket, float]]:
    """The workspace's `limit` other tickets most like `ticket`, with a score,
    resolved ones first."""
    if not words:
        return []
    others = (
        scoped(Ticket.objects.all(), ticket.workspace)
        .exclude(pk=ticket.pk)
        .select_related("requester")
    )
    if search_is_ranked():
        query = any_of(words)
        candidates = (
            others.annotate(search_document=SEARCH_VECTOR)
            .filter(search_document=query)
            .values("pk")[:MAX_CANDIDATES]
        )
        rank = SearchRank(SEARCH_VECTOR, query, normalization=Value(RANK_NORMALISATION))
        best = list(
            others.filter(pk__in=candidates)
            .annotate(
                score=Coalesce(rank, Value(0.0), output_field=FloatField())
                + TrigramWordSimilarity(ticket.subject[:200], "subject") * Value(0.1)
            )
            .order_by("-score", "-id")[:limit]
        )
        scored = [(t, t.score) for t in best]
    else:
        scored = _plain_tickets(others, words, limit)
    scored.sort(key=lambda pair: pair[0].resolved_at is None)  # stable: by score
    return scored


def _plain_tickets(others: QuerySet[Ticket], words: list[str], limit: int):
    match = Q()
    for word in words:
        match |= Q(subject__icontains=word) | Q(content__icontains=word)
    scored = []
    for t in others.filter(match).order_by("-id")[:MAX_CANDIDATES]:
        text = f"{t.subject} {t.subject} {t.content} {t.question}".lower()
        scored.append((t, sum(1 for w in words if w in text) / len(words)))
    scored.sort(key=lambda pair: (-pair[1], -pair[0].pk))
    return scored[:limit]


def public_replies(ticket_ids: list[int]) -> dict[int, list[str]]:
    """The public replies of each ticket, oldest first: one query."""
    replies: dict[int, list[str]] = {pk: [] for pk in ticket_ids}
    rows = Comment.objects.filter(ticket_id__in=ticket_ids, is_public=True).order_by(
        "created_at", "id"
    )
    for ticket_id, body in rows.values_list("ticket_id", "body"):
        replies[ticket_id].append(body)
    return replies


def insight_latest(*, ticket: Ticket):
    """The newest computed insights of `ticket` (any version), or None."""
    return ticket.insights.order_by("-ticket_version").first()


def feedback_summary(*, workspace: Workspace, start, end) -> list[dict]:
    """Helpful and not-helpful counts per section given from `start` to `end`
    (dates, both included), for the reports."""
    rows = (
        scoped(InsightFeedback.objects.all(), workspace)
        .filter(created_at__date__gte=start, created_at__date__lte=end)
        .values("section")
        .annotate(
            helpful_count=Count("pk", filter=Q(helpful=True)),
            unhelpful_count=Count("pk", filter=Q(helpful=False)),
        )
        .order_by("section")
    )
    labels = dict(InsightFeedback.Section.choices)
    return [
        {
            "section": row["section"],
            "label": labels.get(row["section"], row["section"]),
            "helpful": row["helpful_count"],
            "unhelpful": row["unhelpful_count"],
        }
        for row in rows
    ]

"""Every write of the knowledge app: articles (with their history row), computed
insights, agents' feedback on them."""

from django.db import IntegrityError, transaction
from django.db.models import F

from helpdesk.models import Workspace
from knowledge.insights import base
from knowledge.models import Article, InsightFeedback, TicketInsight
from tickets.models import Ticket

ARTICLE_FIELDS = ("title", "body", "tags", "label", "status")


def article_save(
    *, workspace: Workspace, actor, values: dict, article: Article | None = None
) -> Article:
    """Create or change an article from validated `values` (ARTICLE_FIELDS); one
    history row naming the actor. ValidationError names a bad field."""
    with transaction.atomic():
        if article is None:
            article = Article(workspace=workspace, author=actor)
            reason = "created"
        else:
            article = Article.objects.select_for_update().get(pk=article.pk)
            reason = "edited"
        for name in ARTICLE_FIELDS:
            if name in values:
                setattr(article, name, values[name])
        article.tags = normalise_tags(article.tags)
        article.full_clean()
        article._change_reason = reason
        article._history_user = actor
        article.save()
    return article


def normalise_tags(tags) -> list[str]:
    """Lower-case, trimmed, distinct tags in their first order."""
    seen: dict[str, None] = {}
    for tag in tags or []:
        name = " ".join(str(tag).split()).lower()[:50]
        if name:
            seen.setdefault(name, None)
    return list(seen)


def article_delete(*, article: Article, actor) -> None:
    article._history_user = actor
    article.delete()


def article_viewed(*, article: Article) -> None:
    """Count a view without touching updated_at or the history."""
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


def article_from_ticket(*, ticket: Ticket, actor) -> Article:
    """A draft article from a ticket: its subject, the customer's question and the
    public replies that resolved it."""
    replies = list(
        ticket.comments.filter(is_public=True)
        .order_by("created_at", "id")
        .values_list("body", flat=True)
    )
    body = "\n\n".join(
        [
            "## Problem",
            ticket.question or ticket.content or ticket.subject,
            "## Resolution",
            *(replies or ["(describe the steps)"]),
        ]
    )
    values = {"title": ticket.subject[:200], "body": body, "label": ticket.label}
    article = article_save(workspace=ticket.workspace, actor=actor, values=values)
    Article.objects.filter(pk=article.pk).update(source_ticket=ticket)
    return article


def insight_refresh(*, ticket_id: int) -> TicketInsight | None:
    """Compute and store the insights of the ticket's current version (replacing
    an earlier computation of the same version); None for a deleted ticket."""
    ticket = (
        Ticket.objects.select_related("workspace", "requester")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        return None
    computed = base.compute(base.load_context(ticket))
    # One INSERT ... ON CONFLICT: a recomputation of the same version replaces it.
    (insight,) = TicketInsight.objects.bulk_create(
        [
            TicketInsight(
                workspace_id=ticket.workspace_id,
                ticket=ticket,
                ticket_version=ticket.version,
                provider=computed.provider,
                data=computed.data,
                fallback_reason=computed.fallback_reason,
            )
        ],
        update_conflicts=True,
        unique_fields=["ticket", "ticket_version"],
        update_fields=["provider", "data", "fallback_reason", "computed_at"],
    )
    return insight


def feedback_record(
    *, ticket: Ticket, user, section: str, item: str, helpful: bool, provider: str
) -> InsightFeedback:
    """The agent's verdict on one suggestion; a second verdict replaces the first."""
    try:
        with transaction.atomic():
            row, _ = InsightFeedback.objects.update_or_create(
                ticket=ticket,
                section=section,
                item=item,
                user=user,
                defaults={
                    "workspace_id": ticket.workspace_id,
                    "helpful": helpful,
                    "provider": provider,
                },
            )
    except IntegrityError:  # a double click raced: the other one won
        row = InsightFeedback.objects.get(
            ticket=ticket, section=section, item=item, user=user
        )
    return row

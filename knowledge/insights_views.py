"""The AI Insights pane of the ticket panel (loaded by htmx when the tab shows) and
its controls: Regenerate, helpful / not helpful, Create article from this ticket.

The pane only reads stored insights: a missing or outdated one is queued for a
worker and the pane polls, so no request waits on a provider."""

import time
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from helpdesk.permissions import can
from knowledge import handlers, selectors, services
from knowledge.forms import FeedbackForm
from knowledge.models import InsightFeedback
from tickets.ui.views.base import member_for, ticket_for

POLL_SECONDS = 2


def _member_ticket(request, slug, number, permission="ticket.view"):
    membership = member_for(request, slug)
    if not can(membership, permission):
        raise Http404("No such workspace.")
    return membership, ticket_for(membership, number)


def _since(raw: str) -> float | None:
    """The `since` poll marker (a POSIX time); None when absent or not a number."""
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if 0 < value < 1e11 else None


def with_votes(data: dict, votes: dict) -> dict:
    """The stored insights with each suggestion's feedback key and the agent's vote
    (None: not voted)."""
    keyed = {
        "resolution": [(s, s["id"]) for s in data.get("resolution", [])],
        "article": [(a, f"article-{a['id']}") for a in data.get("articles", [])],
        "similar": [(t, f"ticket-{t['number']}") for t in data.get("similar", [])],
    }
    for section, rows in keyed.items():
        for row, item in rows:
            row["item"], row["vote"] = item, votes.get((section, item))
    return data


def render_pane(request, membership, ticket, *, since: float | None = None, notice=""):
    insight = selectors.insight_latest(ticket=ticket)
    stale = insight is None or insight.ticket_version != ticket.version
    if stale:
        handlers.insight_queue(ticket=ticket)
    waiting = stale or (since is not None and insight.computed_at.timestamp() <= since)
    votes = {
        (section, item): helpful
        for section, item, helpful in InsightFeedback.objects.filter(
            ticket=ticket, user=request.user
        ).values_list("section", "item", "helpful")
    }
    context = {
        "membership": membership,
        "slug": membership.workspace.slug,
        "ticket": ticket,
        "insight": insight,
        "data": with_votes(insight.data if insight else {}, votes),
        "waiting": waiting,
        "since": since if since is not None else "",
        "poll_seconds": POLL_SECONDS,
        "may_edit": can(membership, "ticket.edit"),
        "may_write_articles": can(membership, "articles.manage"),
        "notice": notice,
    }
    return render(request, "knowledge/panel/_insights.html", context)


@login_required
@require_GET
def insights_pane(request, slug: str, number: int):
    membership, ticket = _member_ticket(request, slug, number)
    return render_pane(
        request, membership, ticket, since=_since(request.GET.get("since", ""))
    )


@login_required
@require_POST
def insights_regenerate(request, slug: str, number: int):
    membership, ticket = _member_ticket(request, slug, number, "ticket.edit")
    insight = selectors.insight_latest(ticket=ticket)
    handlers.insight_queue(ticket=ticket, force=True)
    since = insight.computed_at.timestamp() if insight else time.time()
    return render_pane(request, membership, ticket, since=since, notice="Regenerating…")


@login_required
@require_POST
def insights_feedback(request, slug: str, number: int):
    membership, ticket = _member_ticket(request, slug, number, "ticket.edit")
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        return HttpResponse(errors, status=400, content_type="text/plain")
    insight = selectors.insight_latest(ticket=ticket)
    services.feedback_record(
        ticket=ticket,
        user=request.user,
        provider=insight.provider if insight else "",
        **form.cleaned_data,
    )
    return render(
        request,
        "knowledge/panel/_feedback.html",
        {
            "slug": slug,
            "ticket": ticket,
            "section": form.cleaned_data["section"],
            "item": form.cleaned_data["item"],
            "vote": form.cleaned_data["helpful"],
        },
    )


@login_required
@require_POST
def article_from_ticket(request, slug: str, number: int):
    membership, ticket = _member_ticket(request, slug, number, "articles.manage")
    article = services.article_from_ticket(ticket=ticket, actor=request.user)
    url = reverse("knowledge:article_edit", args=[slug, article.pk])
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@login_required
@require_GET
def feedback_report(request, slug: str):
    """The reports page's AI Insights section: helpful / not helpful per kind of
    suggestion in the page's date range."""
    membership = member_for(request, slug)
    if not can(membership, "reports.view"):
        raise Http404("No such page.")
    try:
        start = date.fromisoformat(request.GET.get("start", ""))
        end = date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        return HttpResponse(
            "start and end must be dates (YYYY-MM-DD).",
            status=400,
            content_type="text/plain",
        )
    rows = selectors.feedback_summary(
        workspace=membership.workspace, start=start, end=end
    )
    for row in rows:
        total = row["helpful"] + row["unhelpful"]
        row["share"] = round(100 * row["helpful"] / total) if total else 0
    return render(request, "knowledge/_feedback_report.html", {"rows": rows})

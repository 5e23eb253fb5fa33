"""The default insights provider: in-process, no network, deterministic.

Related articles and similar tickets come from the workspace's own search
(`knowledge.selectors`); the suggested resolution is the steps of the best articles
and the public replies of the most similar resolved tickets, each with its source.
"""

import re
from datetime import timedelta

from knowledge import selectors
from knowledge.insights import signals
from knowledge.insights.base import TicketContext, plain
from tickets.intake.summaries import Line, local_summary

SLA_AT_RISK = timedelta(hours=1)
SLA_LABELS = {"breached": "Breached", "at_risk": "At risk", "on_track": "On track"}
MAX_STEPS = 5
# A Markdown list item (numbered or bulleted): an article's step.
_STEP = re.compile(r"^\s*(?:\d+[.)]|[-*+])\s+(.+)$", re.MULTILINE)
_FIRST_SENTENCES = re.compile(r"^(.+?[.!?])(\s+.+?[.!?])?(\s|$)", re.DOTALL)


def local_insights(context: TicketContext) -> dict:
    ticket = context.ticket
    words = selectors.terms(ticket.subject, context.customer_text)
    articles = selectors.related_articles(
        workspace=ticket.workspace, words=words, title_text=ticket.subject
    )
    similar = selectors.similar_tickets(ticket=ticket, words=words)
    replies = selectors.public_replies([t.pk for t, _ in similar if t.resolved_at])
    return {
        "analysis": analysis(context),
        "resolution": resolution(articles, similar, replies),
        "articles": [
            {"id": a.pk, "title": plain(a.title, 200), "score": round(score, 3)}
            for a, score in articles
        ],
        "similar": [
            {
                "number": t.number,
                "subject": plain(t.subject, 200),
                "status": t.status,
                "resolved": t.resolved_at is not None,
                "score": round(score, 3),
                "how": plain(_first_sentences(replies.get(t.pk, [""])[-1:]), 240),
            }
            for t, score in similar
        ],
    }


def analysis(context: TicketContext) -> dict:
    ticket = context.ticket
    text = "\n".join([ticket.subject, context.customer_text])
    lines = [Line("contact", body) for body in context.customer] or [
        Line("contact", ticket.subject)
    ]
    wants = local_summary(lines, question=ticket.question).removeprefix("Customer: ")
    return {
        "wants": plain(_first_sentences([wants]) or ticket.subject, 300),
        "urgency": signals.urgency(text),
        "sentiment": signals.sentiment(text),
        "ai_tried": [plain(_first_sentences([turn]), 240) for turn in context.ai_turns],
        "tool_calls": [
            {"name": plain(c["name"], 100), "status": plain(c["status"], 20)}
            for c in context.tool_calls
        ],
        "requester_recent": context.requester_recent,
        "sla": sla_risk(ticket, context.now),
    }


def sla_risk(ticket, now) -> dict:
    """breached, at_risk (due within the hour), on_track or none, from the ticket's
    next SLA deadline."""
    due = ticket.next_breach_at
    if due is None or ticket.resolved_at:
        return {"risk": "none", "label": "No deadline", "due": None}
    if due <= now:
        risk = "breached"
    elif due - now <= SLA_AT_RISK:
        risk = "at_risk"
    else:
        risk = "on_track"
    return {"risk": risk, "label": SLA_LABELS[risk], "due": due.isoformat()}


def _first_sentences(texts: list[str]) -> str:
    """The first one or two sentences of the first text."""
    text = " ".join((texts[0] if texts else "").split())
    match = _FIRST_SENTENCES.match(text)
    return (match.group(1) + (match.group(2) or "")) if match else text


def resolution(articles, similar, replies) -> list[dict]:
    """Steps: the best article's list items, then one step per similar resolved
    ticket (its last public reply), each with its source."""
    steps = []
    for article, _ in articles[:2]:
        for i, step in enumerate(_STEP.findall(article.body)[:3]):
            source = {"kind": "article", "id": article.pk, "label": article.title}
            steps.append({"id": f"a{article.pk}-{i}", "text": step, "source": source})
    for ticket, _ in similar:
        answer = replies.get(ticket.pk)
        if answer:
            source = {"kind": "ticket", "id": ticket.number, "label": ticket.subject}
            text = _first_sentences(answer[-1:])
            steps.append({"id": f"t{ticket.number}", "text": text, "source": source})
    for step in steps:
        step["text"] = plain(step["text"], 400)
        step["source"]["label"] = plain(step["source"]["label"], 200)
    return steps[: MAX_STEPS + 2]

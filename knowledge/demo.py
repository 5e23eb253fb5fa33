"""Demo data of the knowledge base, added by `manage.py seed_demo` (which calls the
`demo.seed(workspace, users)` of every installed app that has one): the 30 articles
of knowledge.demo_corpus, and for each a resolved ticket with its public reply and an
open one escalated from an AI chat, with its insights computed, so the AI Insights
tab shows true matches at once. Idempotent: nothing happens once articles exist."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from helpdesk.services import contact_upsert
from knowledge import services
from knowledge.demo_corpus import CORPUS
from knowledge.models import Article
from tickets import conversations, workflow
from tickets import services as ticket_services

AI_TRIED = "I'm sorry about that. I checked your account and suggested our help page."


def seed(workspace, users: dict) -> int:
    """Add the demo articles and tickets to `workspace`; how many articles."""
    if Article.objects.filter(workspace=workspace).exists():
        return 0
    manager = users.get("manager") or next(iter(users.values()), None)
    open_tickets = []
    with transaction.atomic():
        for n, (key, (title, steps, cases)) in enumerate(CORPUS.items()):
            services.article_save(
                workspace=workspace,
                actor=manager,
                values={
                    "title": title,
                    "body": _body(steps),
                    "tags": key.split("-"),
                    "status": "published",
                },
            )
            resolved, escalated = cases
            _resolved_ticket(workspace, manager, resolved, steps)
            open_tickets.append(_escalated_ticket(workspace, n, escalated))
    for ticket in open_tickets:  # the tab shows them at once, no worker needed
        services.insight_refresh(ticket_id=ticket.pk)
    return len(CORPUS)


def _body(steps: list[str]) -> str:
    listed = "\n".join(f"{i}. {step}" for i, step in enumerate(steps, 1))
    return f"Follow these steps:\n\n{listed}\n\nStill stuck? Reply to this ticket."


def _resolved_ticket(workspace, manager, case, steps):
    subject, message = case
    ticket = ticket_services.ticket_create(
        workspace=workspace, actor=manager, subject=subject, content=message
    )
    reply = f"Thanks for writing in. {steps[0]} {steps[1]}"
    ticket_services.comment_add(
        ticket=ticket, actor=manager, body=reply, is_public=True
    )
    ticket_services.ticket_change_status(
        ticket=ticket, to=workflow.Status.RESOLVED, actor=manager
    )


def _escalated_ticket(workspace, n, case):
    subject, message = case
    contact = contact_upsert(
        workspace=workspace, email=f"kb-customer{n}@example.com", name=f"Customer {n}"
    )
    started = timezone.now() - timedelta(minutes=30)
    conversation = conversations.conversation_create(
        workspace=workspace,
        contact=contact,
        channel="web_chat",
        external_id=f"kb-demo-{n}",
        started_at=started,
        messages=[
            {"author_kind": "contact", "body": message, "sent_at": started},
            {
                "author_kind": "ai",
                "body": AI_TRIED,
                "sent_at": started + timedelta(minutes=1),
            },
        ],
    )
    return ticket_services.ticket_create(
        workspace=workspace,
        actor=None,
        subject=subject,
        content=message,
        requester=contact,
        primary_conversation=conversation,
        source="ai_escalation",
    )

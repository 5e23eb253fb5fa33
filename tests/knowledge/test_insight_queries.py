"""Computing one ticket's insights with the local provider costs a fixed number of
queries, however many articles, similar tickets and replies it finds (the bench's
"Insights of one ticket" figure is this path at scale)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from knowledge import services as kb
from tests.factories import ContactFactory
from tickets import conversations, services

pytestmark = pytest.mark.django_db

# ticket, transcript, requester's recent tickets, articles, similar tickets, their
# public replies, one INSERT ... ON CONFLICT of the insights row.
PINNED = 7


def _ticket(workspace, manager):
    contact = ContactFactory(workspace=workspace)
    conversation = conversations.conversation_create(
        workspace=workspace,
        contact=contact,
        external_id=f"c-{timezone.now().timestamp()}",
        messages=[
            {"author_kind": "contact", "body": "Printer jam", "sent_at": timezone.now()}
        ],
    )
    return services.ticket_create(
        workspace=workspace,
        actor=manager,
        subject="Printer jam in tray two",
        requester=contact,
        primary_conversation=conversation,
    )


@pytest.mark.parametrize("extra", [1, 15])
def test_one_tickets_insights_cost_the_same_whatever_they_find(
    workspace, manager, extra
):
    for n in range(extra):
        kb.article_save(
            workspace=workspace,
            actor=manager,
            values={
                "title": f"Printer jam {n}",
                "body": "1. Open the tray.",
                "status": "published",
            },
        )
        old = services.ticket_create(
            workspace=workspace, actor=manager, subject=f"Printer jam again {n}"
        )
        services.comment_add(
            ticket=old, actor=manager, body="Opened it.", is_public=True
        )
        services.ticket_change_status(ticket=old, to="resolved", actor=manager)
    ticket = _ticket(workspace, manager)
    with CaptureQueriesContext(connection) as queries:
        insight = kb.insight_refresh(ticket_id=ticket.pk)
    assert len(insight.data["articles"]) == min(extra, 5)
    assert len(insight.data["similar"]) == min(extra, 5)
    assert all(s["how"] == "Opened it." for s in insight.data["similar"])
    assert insight.pk and insight.computed_at
    sql = "\n".join(q["sql"][:150] for q in queries.captured_queries)
    assert len(queries) == PINNED, sql

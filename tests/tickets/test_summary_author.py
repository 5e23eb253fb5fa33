"""`summary_by` names whoever wrote the summary: the summariser's path when the
intake wrote it, the person once someone rewrites it.

Planted bug, watched failing, reverted: without the author line in
ticket_update, summary_by kept "tickets.intake.summaries.local_summary".
"""

import pytest

from tests.factories import make_ticket
from tickets import services

pytestmark = pytest.mark.django_db


def test_a_person_rewriting_the_summary_becomes_its_author(workspace, agent):
    ticket = make_ticket(
        workspace,
        summary="Customer charged twice.",
        summary_by="tickets.intake.summaries.local_summary",
    )

    services.ticket_update(
        ticket=ticket, actor=agent, changes={"subject": "Charged twice (order 1234)"}
    )
    ticket.refresh_from_db()
    assert ticket.summary_by == "tickets.intake.summaries.local_summary"

    services.ticket_update(
        ticket=ticket, actor=agent, changes={"summary": "Refund sent on 2 March."}
    )
    ticket.refresh_from_db()
    assert ticket.summary_by == "agent"

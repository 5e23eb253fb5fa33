"""One drain in threads (SYNC_DRAIN_THREADS): the due tickets' chunks are shared
out, each ticket's queue stays whole in one thread, and the results add up."""

import pytest

from integrations import outbox
from integrations.models import ExternalLink, SyncOp
from tests.factories import make_ticket
from tests.integrations.conftest import connect
from tickets import services

# The threads' connections must see the tickets: committed, as in a worker.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_threaded_drain_delivers_every_ticket_once_in_order(
    workspace, zendesk, agent, settings
):
    settings.SYNC_DRAIN_THREADS = 3
    # A budget that does not bind: the claim is about threads, not waits.
    connect(workspace, zendesk, rate_limit=100_000, rate_period=1)
    tickets = [make_ticket(workspace, agent, subject=f"T {i}") for i in range(50)]
    for ticket in tickets[:10]:  # a second op queued behind each create
        ticket.subject = f"{ticket.subject} renamed"
        services.ticket_update(
            ticket=ticket, actor=agent, changes={"subject": ticket.subject}
        )

    result = outbox.drain()

    assert (result.delivered, result.retrying, result.failed) == (60, 0, 0)
    # A lookup and a create a ticket, 10 updates, and the agent's lookup once in
    # each thread's adapter: 3 threads ran.
    assert result.requests == 50 * 2 + 10 + 3
    assert len(zendesk.tickets) == 50
    subjects = sorted(t["subject"] for t in zendesk.tickets.values())
    assert subjects.count("T 0 renamed") == 1 and "T 0" not in subjects
    assert not SyncOp.objects.filter(state=SyncOp.State.PENDING).exists()
    links = ExternalLink.objects.filter(workspace=workspace)
    assert set(links.values_list("state", flat=True)) == {ExternalLink.State.SYNCED}
    assert links.filter(lease_owner__isnull=False).count() == 0

"""What a pushed ticket and a pulled change cost in queries, pinned: the outbox's
bookkeeping (lease, rate budget, attempt, finish) is a fixed handful per ticket
whatever the budget's size, and a drain's own overhead (finding, claiming with the
pending ops, the synced events) is paid once per chunk of tickets. Before the
fixed-cost budget and the chunked claim, a pushed ticket cost about 40 queries.

A pulled page of status changes moves in bulk; each change then costs only its
comment read (a few queries); applied one change at a time it cost about 23
queries a change."""

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from integrations import outbox, pull
from tests.factories import make_ticket
from tests.integrations.conftest import connect
from tests.querycount import assert_per_item_cost

# Autocommit, as in a worker: the transactions' BEGIN and COMMIT are counted.
pytestmark = pytest.mark.django_db(transaction=True)

# A budget token for each of the two requests (lookup by our reference, create),
# then BEGIN, the attempt, the op, the link (finished and freed), COMMIT.
PER_TICKET = 7
# Due queues, claim, claimed links, their pending ops, the synced events and the
# handlers' read, and the one assignee lookup (with its token) the adapter keeps.
ONE_TICKET = 16
# A page of status changes: its budget token, the locked links (with their pending
# ops and tickets), the tickets' tags, then the bulk move (lock, update, history,
# events and their handlers: SLA clocks read and written, next breach, outbox),
# the synced events (with the outbox's read), the links in one UPDATE, the cursor.
PULLED_PAGE = 25
# A change's comment read: its known comment links, our unlinked comments, the
# description check (integrations.comments.pull_comments).
COMMENTS_READ = 7


def _push_cost(workspace, agent, count: int) -> int:
    for index in range(count):
        make_ticket(workspace, agent, subject=f"Cost {index}")
    with CaptureQueriesContext(db_connection) as captured:
        result = outbox.drain()
    assert result.delivered == count
    return len(captured)


# Budgets that do not bind (20 tickets' requests fit in a second): a binding one
# adds the waits' token reads, which vary with timing and the drain's threads.
@pytest.mark.parametrize("budget", [400, 100_000])
def test_a_pushed_ticket_costs_a_fixed_handful_of_queries(
    workspace, zendesk, agent, budget
):
    connect(workspace, zendesk, rate_limit=budget, rate_period=1)
    _push_cost(workspace, agent, 1)  # the budget's row is made on first use
    one = _push_cost(workspace, agent, 1)
    twenty = _push_cost(workspace, agent, 20)

    assert_per_item_cost(one, twenty, 20, (ONE_TICKET, PER_TICKET))
    assert twenty <= 20 * 10
    assert len(zendesk.tickets) == 22


def _pull_cost(connection, zendesk, tickets) -> int:
    for ticket in tickets:
        remote_id = int(ticket.external_links.get().remote_id)
        zendesk.remote_edit(remote_id, status="solved")
    with CaptureQueriesContext(db_connection) as captured:
        counts = pull.pull_connection(connection)
    assert counts["updated"] == len(tickets)
    return len(captured)


def test_a_pulled_page_of_status_changes_costs_the_same_for_1_or_20(
    workspace, zendesk, agent
):
    connection = connect(workspace, zendesk)
    tickets = [make_ticket(workspace, agent, subject=f"Pull {i}") for i in range(21)]
    assert outbox.drain().delivered == 21
    pull.pull_connection(connection)  # catch up with our own writes

    one = _pull_cost(connection, zendesk, tickets[:1])
    twenty = _pull_cost(connection, zendesk, tickets[1:])

    # Each change also reads its ticket's comments (a comment alone changes no
    # field), a few queries a change: bounded, no longer the same for 1 and 20.
    assert one == PULLED_PAGE, one
    assert twenty <= one + 19 * COMMENTS_READ, (one, twenty)
    statuses = {t.status for t in type(tickets[0]).objects.filter(workspace=workspace)}
    assert statuses == {"resolved"}

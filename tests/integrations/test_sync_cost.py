"""What a pushed ticket and a pulled change cost in queries, pinned: the outbox's
bookkeeping (lease, rate budget, attempt, finish) is a fixed handful per ticket
whatever the budget's size, and a drain's own overhead (finding, claiming with the
pending ops, the synced events) is paid once per chunk of tickets. Before the
fixed-cost budget and the chunked claim, a pushed ticket cost about 40 queries.

A pulled page of status changes moves in bulk; each change then costs only its
comment read's budget token; applied one change at a time it cost about 23
queries a change."""

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from integrations import base, outbox, pull, ratelimit
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
# the synced events (with the outbox's read), the links in one UPDATE, the
# comments known already (one query a page), the cursor.
PULLED_PAGE = 22
# Each change's comments are read (one request: its budget token), then checked
# against the known ones in one query for the page (pull_page._read_comments).
COMMENTS_READ = 1


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


class _Clock:
    """The budget's clock: a wait moves it on by exactly the wait, at once, so
    the waits a binding budget causes are the same on every run."""

    def __init__(self):
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_under_a_binding_budget_each_wait_adds_two_queries(
    workspace, zendesk, agent, monkeypatch
):
    """10 requests a second: a bucket of 5 tokens refilled at 5.39 a second. A
    drain of 20 tickets needs 41 tokens (the assignee lookup, then a lookup and a
    create a ticket); the first 5 are in the bucket, each of the other 36 waits
    once: its failed UPDATE and the read of the bucket's level (2 queries)."""
    clock = _Clock()
    monkeypatch.setattr(ratelimit, "time", clock)
    monkeypatch.setattr(base, "time", clock)
    connection = connect(workspace, zendesk, rate_limit=10, rate_period=1)
    ratelimit.take(connection)  # the bucket's row is made on first use
    clock.sleep(10)  # and full again

    twenty = _push_cost(workspace, agent, 20)

    assert twenty == ONE_TICKET + 19 * PER_TICKET + 36 * 2, twenty
    assert len(zendesk.tickets) == 20
    assert clock.now - 1_800_000_010.0 == pytest.approx(36 / 5.392, abs=0.1)


def _pull_cost(connection, zendesk, tickets, status="solved") -> int:
    for ticket in tickets:
        remote_id = int(ticket.external_links.get().remote_id)
        zendesk.remote_edit(remote_id, status=status)
    with CaptureQueriesContext(db_connection) as captured:
        counts = pull.pull_connection(connection)
    assert counts["updated"] == len(tickets)
    return len(captured)


def test_a_pulled_page_of_status_changes_costs_the_same_for_1_or_20(
    workspace, zendesk, agent
):
    # A budget that does not bind: a wait's token reads are not the pull's cost.
    connection = connect(workspace, zendesk, rate_limit=100_000, rate_period=1)
    tickets = [make_ticket(workspace, agent, subject=f"Pull {i}") for i in range(21)]
    assert outbox.drain().delivered == 21
    pull.pull_connection(connection)  # catch up with our own writes
    # The first read of each ticket's comments links what our create sent.
    _pull_cost(connection, zendesk, tickets, status="pending")

    one = _pull_cost(connection, zendesk, tickets[:1])
    twenty = _pull_cost(connection, zendesk, tickets[1:])

    # A comment alone changes no field, so each change's comments are read: one
    # budget token a change; the rest is paid once a page.
    assert one == PULLED_PAGE, one
    assert twenty == PULLED_PAGE + 19 * COMMENTS_READ, twenty
    statuses = {t.status for t in type(tickets[0]).objects.filter(workspace=workspace)}
    assert statuses == {"resolved"}

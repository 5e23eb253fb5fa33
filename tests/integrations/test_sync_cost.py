"""What a pushed ticket costs in queries, pinned: the outbox's bookkeeping (lease,
rate budget, attempt, finish) is a fixed handful per ticket whatever the budget's
size, and a drain's own overhead (finding, claiming, the synced events) is paid once
per chunk of tickets. Before the fixed-cost budget and the chunked claim, a pushed
ticket cost about 40 queries."""

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from integrations import outbox
from tests.factories import make_ticket
from tests.integrations.conftest import connect
from tests.querycount import assert_per_item_cost

# Autocommit, as in a worker: the transactions' BEGIN and COMMIT are counted.
pytestmark = pytest.mark.django_db(transaction=True)

# The op list, a budget token for each of the two requests (lookup by our reference,
# create), then BEGIN, the attempt, the op, the link (finished and freed), COMMIT.
PER_TICKET = 8
# Due queues, claim, claimed links, the synced events and the handlers' read, and
# the one assignee lookup (with its token) the adapter then keeps.
ONE_TICKET = 16


def _push_cost(workspace, agent, count: int) -> int:
    for index in range(count):
        make_ticket(workspace, agent, subject=f"Cost {index}")
    with CaptureQueriesContext(db_connection) as captured:
        result = outbox.drain()
    assert result.delivered == count
    return len(captured)


@pytest.mark.parametrize("budget", [40, 100_000])
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

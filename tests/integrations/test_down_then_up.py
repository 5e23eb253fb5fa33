"""Must show: the platform is down for a while, then back. Every change is delivered
once and in order, nothing is lost or duplicated, and the connection's rate budget
is never exceeded (the highest observed rate is reported)."""

import threading
import time

from integrations.models import ExternalLink, SyncAttempt, SyncOp
from tests import figures
from tests.factories import make_ticket
from tests.integrations.conftest import connect, drain_until_idle
from tickets import services

BUDGET, PERIOD = 10, 1
TICKETS = 6


def _changes(ticket, agent):
    services.ticket_change_status(ticket=ticket, to="in_progress", actor=agent)
    services.ticket_set_priority(ticket=ticket, priority=4, actor=agent)
    services.ticket_set_tags(ticket=ticket, actor=agent, add=["vip"])
    services.comment_add(ticket=ticket, actor=agent, body="On it", is_public=True)
    services.ticket_change_status(ticket=ticket, to="resolved", actor=agent)


# What the platform holds after each of our writes: (tags, messages).
EXPECTED_HISTORY = [
    (["hd_priority_3", "hd_status_open"], 1),
    (["hd_priority_3", "hd_status_in_progress"], 1),
    (["hd_priority_4", "hd_status_in_progress"], 1),
    (["hd_priority_4", "hd_status_in_progress", "vip"], 1),
    (["hd_priority_4", "hd_status_in_progress", "vip"], 2),
    (["hd_priority_4", "hd_status_resolved", "vip"], 2),
]


def test_outage_then_recovery_delivers_everything_once_in_order_within_budget(
    workspace, gorgias, agent, settings, capsys
):
    settings.SYNC_MAX_ATTEMPTS = 1000
    connection = connect(workspace, gorgias, rate_limit=BUDGET, rate_period=PERIOD)
    tickets = [make_ticket(workspace, agent, subject=f"T{i}") for i in range(TICKETS)]
    for ticket in tickets:
        _changes(ticket, agent)
    assert SyncOp.objects.count() == TICKETS * 6

    gorgias.down = True
    threading.Timer(1.0, lambda: setattr(gorgias, "down", False)).start()
    # Once it is back it still throttles and hiccups now and then.
    gorgias.fail(429, headers={"Retry-After": "0.3"}, on="PUT /tickets")
    gorgias.fail(500, on="POST /tickets/")
    started = time.monotonic()
    drain_until_idle(30)
    elapsed = time.monotonic() - started

    assert SyncOp.objects.exclude(state=SyncOp.State.DONE).count() == 0
    links = ExternalLink.objects.filter(connection=connection)
    assert {link.state for link in links} == {"synced"}
    # 0 lost, 0 duplicate remote tickets, each change applied once and in order.
    assert len(gorgias.tickets) == TICKETS
    assert sorted(t["external_id"] for t in gorgias.tickets.values()) == sorted(
        t.ref for t in tickets
    )
    for link in links:
        assert gorgias.history[int(link.remote_id)] == EXPECTED_HISTORY
        assert gorgias.tickets[int(link.remote_id)]["status"] == "closed"
    transient = SyncAttempt.objects.filter(outcome="transient").count()
    assert transient >= TICKETS  # every queue met the outage
    highest = gorgias.max_in_window(PERIOD)
    figures.report(
        "R8-rate",
        {"highest_per_period": figures.at_most(BUDGET), "lost": 0, "duplicates": 0},
        requests=len(gorgias.log),
        period_s=PERIOD,
        highest_per_period=highest,
        retries=transient,
        lost=TICKETS - len({t["external_id"] for t in gorgias.tickets.values()}),
        duplicates=len(gorgias.tickets) - TICKETS,
    )
    with capsys.disabled():
        print(
            f"\n[down-then-up] {len(gorgias.log)} requests, {transient} retried "
            f"attempts, highest observed rate {highest} per {PERIOD}s "
            f"(budget {BUDGET}), drained in {elapsed:.1f}s"
        )

"""Several workers draining at once: each ticket's queue is taken by one worker at a
time (a lease), so nothing is sent twice or out of order, and the shared rate budget
still holds."""

import threading
import time

import pytest
from django.db import connection as db_connection

from integrations import outbox
from integrations.models import ExternalLink, SyncOp
from tests.factories import make_ticket
from tests.integrations.conftest import connect
from tickets import services

WORKERS, TICKETS, BUDGET = 3, 5, 8


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_deliver_each_change_once_in_order(workspace, gorgias, agent):
    connect(workspace, gorgias, rate_limit=BUDGET, rate_period=1)
    for i in range(TICKETS):
        ticket = make_ticket(workspace, agent, subject=f"T{i}")
        services.ticket_set_priority(ticket=ticket, priority=5, actor=agent)
        services.ticket_change_status(ticket=ticket, to="resolved", actor=agent)
    gorgias.fail(500, times=3)
    errors = []

    def worker():
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                outbox.drain()
                if not SyncOp.objects.exclude(state="done").exists():
                    break
                time.sleep(0.01)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            db_connection.close()

    # SQLite's shared in-memory test database refuses concurrent writers outright
    # ("table is locked"); there the same run uses one worker. PostgreSQL runs all.
    workers = WORKERS if db_connection.vendor == "postgresql" else 1
    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert SyncOp.objects.exclude(state="done").count() == 0
    assert len(gorgias.tickets) == TICKETS
    expected = [
        (["hd_priority_3", "hd_status_open"], 1),
        (["hd_priority_5", "hd_status_open"], 1),
        (["hd_priority_5", "hd_status_resolved"], 1),
    ]
    for link in ExternalLink.objects.all():
        assert gorgias.history[int(link.remote_id)] == expected
    assert gorgias.max_in_window(1) <= BUDGET


@pytest.mark.django_db
def test_a_queue_leased_by_one_worker_is_left_alone_by_the_others(
    workspace, zendesk, agent
):
    connect(workspace, zendesk)
    first = make_ticket(workspace, agent, subject="held")
    make_ticket(workspace, agent, subject="free")
    held = ExternalLink.objects.get(ticket=first)
    now = outbox.timezone.now()
    _, won = outbox.Lease.claim([held.pk], now)  # another worker has it
    assert won == [held]
    assert outbox.Lease.claim([held.pk], now)[1] == []

    result = outbox.drain()

    assert result.delivered == 1
    assert [t["subject"] for t in zendesk.tickets.values()] == ["free"]
    assert SyncOp.objects.get(link=held).state == "pending"
    # A worker that died frees the queue when its lease runs out.
    ExternalLink.objects.filter(pk=held.pk).update(
        lease_until=now - outbox.timedelta(seconds=1)
    )
    assert outbox.drain().delivered == 1

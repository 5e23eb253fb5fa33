"""A slow platform makes one worker's drain of a ticket's queue take longer than a
lease. A second worker arriving after that time must not send the same changes
again: the first renews its lease before each change (and frees only a lease it
still holds). Before the renewal, 8 requests went out for 6 changes."""

import threading
import time

import pytest
from django.db import connection as db_connection

from integrations import outbox
from integrations.models import SyncOp
from tests.factories import make_ticket
from tests.integrations.conftest import connect
from tests.reliability.conftest import postgres_only
from tickets import services

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]


def test_a_drain_slower_than_its_lease_is_not_doubled_by_a_second_worker(
    workspace, gorgias, agent, settings
):
    settings.SYNC_LEASE_SECONDS = 3
    settings.SYNC_HTTP_TIMEOUT = (0.5, 1.0)
    connect(workspace, gorgias)
    ticket = make_ticket(workspace, agent)
    for priority in (1, 2, 4, 5, 1, 2):
        services.ticket_set_priority(ticket=ticket, priority=priority, actor=agent)
    gorgias.slow(0.7, times=20, on="PUT /tickets")
    errors = []

    def worker(delay):
        try:
            time.sleep(delay)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and SyncOp.objects.exclude(state="done"):
                outbox.drain()
                time.sleep(0.05)
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        finally:
            db_connection.close()

    # The second worker arrives just after the first one's lease has run out.
    threads = [threading.Thread(target=worker, args=(d,)) for d in (0, 3.2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert not SyncOp.objects.exclude(state="done").exists()
    puts = gorgias.requests_to("PUT", "/tickets")
    (history,) = gorgias.history.values()
    priorities = [tags[0] for tags, _ in history]
    assert len(puts) == 6, priorities
    assert priorities[-1] == "hd_priority_2"

"""R5: paging through 10,000 tickets while 500 inserts and updates run at the same
time. The API's cursor pages see every pre-existing ticket exactly once; offset
pages over the same order (measured as a contrast) skip and repeat rows."""

import threading
import time
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from helpdesk.models import Membership, Workspace
from tests import figures
from tests.api.conftest import BASE, client_for
from tests.factories import MembershipFactory, WorkspaceFactory
from tests.reliability.conftest import postgres_only
from tickets import selectors, services
from tickets.models import Ticket

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]

TICKETS, WRITES, PAGE = 10_000, 500, 100


def _seed(workspace: Workspace) -> set[int]:
    """10,000 tickets in one INSERT, a millisecond apart (newest = highest number)."""
    now = timezone.now()
    Ticket.objects.bulk_create(
        Ticket(workspace=workspace, number=n, subject=f"Seeded {n}")
        for n in range(1, TICKETS + 1)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tickets_ticket SET created_at = %s - (%s - number) * interval "
            "'1 millisecond' WHERE workspace_id = %s",
            [now, TICKETS, workspace.pk],
        )
    Workspace.objects.filter(pk=workspace.pk).update(next_number=TICKETS + 1)
    return set(range(1, TICKETS + 1))


class Writer(threading.Thread):
    """250 new tickets and 250 edits of existing ones, interleaved, on its own
    database connection, paced so they spread over the whole paging run."""

    def __init__(self, workspace, actor, pause: float):
        super().__init__()
        self.workspace, self.actor, self.pause = workspace, actor, pause
        self.done = 0
        self.errors: list[Exception] = []

    def run(self):
        try:
            for i in range(WRITES):
                if i % 2:
                    ticket = Ticket.objects.get(
                        workspace=self.workspace, number=1 + (i * 37) % TICKETS
                    )
                    services.ticket_update(
                        ticket=ticket, actor=self.actor, changes={"subject": f"Ed {i}"}
                    )
                else:
                    services.ticket_create(
                        workspace=self.workspace, actor=self.actor, subject=f"New {i}"
                    )
                self.done += 1
                time.sleep(self.pause)
        except Exception as exc:  # noqa: BLE001 - asserted by the test
            self.errors.append(exc)
        finally:
            connection.close()


def _page_with_cursor(user, tick) -> list[int]:
    client = client_for(user)
    url = f"{BASE}/tickets/?page_size={PAGE}"
    seen = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        seen += [row["number"] for row in body["results"]]
        tick()
        url = body["next"]
    return seen


def _page_with_offset(user, workspace, tick) -> list[int]:
    """What an offset API would do: LIMIT/OFFSET over the same order."""
    membership = Membership.objects.get(user=user, workspace=workspace)
    queryset = selectors.ticket_list(membership=membership)
    seen, offset = [], 0
    while True:
        rows = list(queryset.values_list("number", flat=True)[offset : offset + PAGE])
        if not rows:
            return seen
        seen += rows
        tick()
        offset += PAGE
        time.sleep(0.05)  # the time a client takes between two pages


def _measure(seen: list[int], expected: set[int]) -> dict:
    counts = Counter(seen)
    return {
        "duplicates": sum(n - 1 for n in counts.values() if n > 1),
        "missing": len(expected - set(counts)),
    }


def test_r5_cursor_pages_see_every_ticket_once_under_concurrent_writes():
    workspace = WorkspaceFactory(slug="acme")
    user = MembershipFactory(workspace=workspace, user__username="agent").user
    expected = _seed(workspace)

    results = {}
    for name, page in (
        ("cursor", lambda tick: _page_with_cursor(user, tick)),
        ("offset", lambda tick: _page_with_offset(user, workspace, tick)),
    ):
        writer = Writer(workspace, user, pause=0.005 if name == "offset" else 0.01)
        writer.start()
        # The writes done when each page arrived: those that landed between the
        # first and the last page are the ones the paging ran into.
        ticks = []
        seen = page(lambda t=ticks, w=writer: t.append(w.done))
        writer.join(timeout=300)
        assert writer.errors == []
        overlap = ticks[-2] - ticks[0]
        results[name] = {**_measure(seen, expected), "overlapping_writes": overlap}

    figures.report(
        "R5",
        {
            "cursor_duplicates": 0,
            "cursor_missing": 0,
            "offset_duplicates": figures.at_least(1),
            "cursor_overlapping_writes": figures.at_least(WRITES // 10),
        },
        tickets=TICKETS,
        cursor_duplicates=results["cursor"]["duplicates"],
        cursor_missing=results["cursor"]["missing"],
        offset_duplicates=results["offset"]["duplicates"],
        offset_missing=results["offset"]["missing"],
        writes_per_run=WRITES,
        cursor_overlapping_writes=results["cursor"]["overlapping_writes"],
        offset_overlapping_writes=results["offset"]["overlapping_writes"],
    )
    # offset_duplicates is the contrast: new rows at the top push offset pages
    # down, so rows repeat.

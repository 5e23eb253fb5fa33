"""The bench proves its rows (issue 22): every list is measured on a full page
that its set-up gave it, an empty one stops the run, and the report shows the
figures of the run before beside the new ones."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.utils import timezone

from bench import measure, report, seed
from sla.models import SlaTarget
from tickets.models import Ticket

pytestmark = [
    pytest.mark.django_db,
    # The bench seeds with COPY and measures PostgreSQL (`make bench`).
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the bench runs on PostgreSQL"
    ),
]


@pytest.fixture
def bench():
    # 1,000 tickets: enough for a full page of "refund invoice" (about 3 %).
    seed.tickets(1000)
    return measure.Bench(repeat=1)


def test_every_list_is_measured_on_a_full_page_after_its_set_up(bench):
    # What earlier steps or runs leave behind: nothing at risk (the sweep breached
    # it all) and no ticket of the bench user's (a database seeded before).
    now = timezone.now()
    SlaTarget.objects.update(due_at=now, breached_at=now)
    Ticket.objects.filter(assignee=bench.manager).update(assignee=None)

    bench.lists()

    rows = {f.name: f.rows for f in bench.figures}
    assert rows == {
        "API list, default": 25,
        "API list, status=open": 25,
        "API list, assignee=me": 25,
        "API list, search 'refund'": 25,
        "API list, search 'refund invoice'": 25,
        "API list, search 'refu'": 25,
        "API list, search 'c99@x'": rows["API list, search 'c99@x'"],
        "API list, search 'BEN-500'": 1,
        "API list, SLA at risk": 25,
        "API list, by next breach": 25,
        "Tickets page (list)": 50,
        "Tickets board": rows["Tickets board"],
    }
    assert rows["Tickets board"] >= 25
    assert rows["API list, search 'c99@x'"] >= 1  # the tickets of one requester
    assert Ticket.objects.filter(assignee=bench.manager).count() == 100


def test_an_empty_list_stops_the_run(bench):
    now = timezone.now()
    SlaTarget.objects.update(due_at=now, breached_at=now)  # nothing at risk

    with pytest.raises(RuntimeError, match=r"SLA at risk: 0 rows \(floor 0\)"):
        bench.request(
            "API list, SLA at risk",
            bench.api,
            f"{bench.base}/tickets/?sla=at_risk",
            "SELECT 1 WHERE false",
            [],
            20,
            rows=25,
        )
    assert bench.figures == []


def test_a_list_whose_floor_fetches_nothing_is_refused():
    with pytest.raises(RuntimeError, match="25 rows \\(floor 0\\)"):
        measure.check_rows("API list, default", 25, 0, 25)
    assert measure.check_rows("API list, default", 25, 25, 25) == 25


def _markdown(figures, tickets):
    return report.markdown(
        figures,
        tickets=tickets,
        seeded={"added": 0},
        when=datetime(2026, 12, 2, tzinfo=UTC),
        machine="vm",
        database="PostgreSQL 15",
        command="make bench",
        seconds=1,
    )


def test_the_report_shows_the_run_before_and_django_helpdesk():
    figures = [
        measure.Figure("API list, default", 12.0, 15.0, 4, 2.0, rows=25),
        measure.Figure("CSV export, 1003002 rows", 40_000.0, rate=25_000.0),
        measure.Figure("A measure new in this run", 1.0),
    ]
    text = _markdown(figures, 1_000_000)

    assert (
        "| API list, default | 25 | 43.7 ms · 6 q · 67.0× | 12.0 | 15.0 | 4 | 2.0 "
        "| 6.0× |" in text
    )
    assert "| CSV export, 1003002 rows |  | 7,772/s | 40,000.0 |" in text
    assert "| A measure new in this run |  |  | 1.0 |" in text
    assert "4,600 ms, 10,105 queries" in text  # django-helpdesk's API page at 10k


def test_the_before_column_stays_empty_at_another_size():
    text = _markdown([measure.Figure("API list, default", 12.0, rows=25)], 10_000)

    assert "| API list, default | 25 |  | 12.0 |" in text
    assert "bench/before.json holds no run at 10,000 tickets" in text

"""R9 and R10 with real processes: one Celery worker and TWO beats (a doubled
scheduler, the mistake the sweeps must survive) on Redis, sweeping every 5 s.

R9: 1,000 tickets snoozed until times spread over a minute: each wakes exactly once,
at most a sweep interval (plus slack for a busy machine) late.
R10: 1,000 SLA clocks due over the same minute, 100 of them already met: each due
clock is flagged breached once, none early, none of the met ones.

A shortened run of the reference's 10-minute / 60-s shape: the window and sweep
interval are scaled down together (WINDOW, SWEEP).
"""

import time
from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from sla.models import SlaTarget
from tests import figures
from tests.factories import WorkspaceFactory
from tests.sla.live import Cluster, flush_redis, redis_url, wait_for
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db(transaction=True)

COUNT, WINDOW, SWEEP, LEAD = 1000, 60, 5, 15
SLACK = 10  # seconds a busy machine may add to the sweep interval


def _tickets(workspace, first: int, count: int, **fields) -> list[Ticket]:
    Ticket.objects.bulk_create(
        Ticket(workspace=workspace, number=n, subject=f"T{n}", **fields)
        for n in range(first, first + count)
    )
    return list(
        Ticket.objects.filter(
            workspace=workspace, number__gte=first, number__lt=first + count
        ).order_by("number")
    )


def _lateness(actual: dict, due: dict) -> list[float]:
    return [(actual[pk] - due[pk]).total_seconds() for pk in actual]


def test_r9_r10_two_beats_wake_and_breach_each_ticket_once_on_time(tmp_path):
    url = redis_url()
    flush_redis(url)
    workspace = WorkspaceFactory()
    start = timezone.now() + timedelta(seconds=LEAD)  # time for the cluster to start

    def spread(i: int):
        return start + timedelta(seconds=WINDOW * i / COUNT)

    sleepers = _tickets(workspace, 1, COUNT)
    for i, ticket in enumerate(sleepers):
        ticket.snoozed_until = spread(i)
    Ticket.objects.bulk_update(sleepers, ["snoozed_until"])
    wake_at = {ticket.pk: ticket.snoozed_until for ticket in sleepers}
    due_at, met = {}, set()
    clocks = []
    for i, ticket in enumerate(_tickets(workspace, COUNT + 1, COUNT)):
        due_at[ticket.pk] = spread(i)
        fulfilled = timezone.now() if i % 10 == 0 else None
        if fulfilled:
            met.add(ticket.pk)
        clocks.append(
            SlaTarget(
                workspace=workspace,
                ticket=ticket,
                metric="resolution",
                target_seconds=3600,
                business_hours=False,
                started_at=start - timedelta(hours=1),
                due_at=due_at[ticket.pk],
                warn_at=due_at[ticket.pk],
                fulfilled_at=fulfilled,
            )
        )
    SlaTarget.objects.bulk_create(clocks)

    with Cluster(tmp_path, url, beats=2, sweep=SWEEP) as cluster:
        wait_for(
            lambda: not Ticket.objects.filter(snoozed_until__isnull=False).exists()
            and SlaTarget.objects.filter(breached_at__isnull=False).count()
            == COUNT - len(met),
            timeout=LEAD + WINDOW + 90,
            cluster=cluster,
        )
        time.sleep(2 * SWEEP)  # more sweeps from both beats: nothing new happens
    sends = cluster.beat_sends()

    woke = TicketEvent.objects.filter(kind=TicketEvent.Kind.WOKE)
    woken_at = dict(woke.values_list("ticket_id", "created_at"))
    wakes = woke.values("ticket_id").annotate(n=Count("id"))
    late_wakes = _lateness(woken_at, wake_at)
    # Each beat runs the snooze and the SLA sweeps every SWEEP seconds for at
    # least WINDOW seconds: both must have sent a good share of those.
    least_sends = 2 * WINDOW // SWEEP // 2
    figures.report(
        "R9",
        {
            "beats_that_sent": 2,
            "fewest_sends_by_a_beat": figures.at_least(least_sends),
            "woken": COUNT,
            "duplicate_wakes": 0,
            "early_wakes": 0,
            "max_lateness_s": figures.at_most(SWEEP + SLACK),
        },
        snoozed=COUNT,
        window_s=WINDOW,
        sweep_s=SWEEP,
        beats_that_sent=sum(n > 0 for n in sends.values()),
        fewest_sends_by_a_beat=min(sends.values()),
        woken=len(woken_at),
        duplicate_wakes=sum(row["n"] - 1 for row in wakes),
        early_wakes=sum(late < 0 for late in late_wakes),
        max_lateness_s=round(max(late_wakes), 1),
    )
    breached = SlaTarget.objects.filter(breached_at__isnull=False)
    breached_at = dict(breached.values_list("ticket_id", "breached_at"))
    breach_events = TicketEvent.objects.filter(kind=TicketEvent.Kind.SLA_BREACHED)
    late_breaches = _lateness(breached_at, due_at)
    false_positives = len(met & set(breached_at)) + sum(x < 0 for x in late_breaches)
    figures.report(
        "R10",
        {
            "breached": COUNT - len(met),
            "duplicates": 0,
            "false_positives": 0,
            "max_lateness_s": figures.at_most(SWEEP + SLACK),
        },
        clocks=COUNT,
        already_met=len(met),
        breached=len(breached_at),
        duplicates=breach_events.count()
        - breach_events.values("ticket_id").distinct().count(),
        false_positives=false_positives,
        max_lateness_s=round(max(late_breaches), 1),
    )
    assert breach_events.count() == len(breached_at)

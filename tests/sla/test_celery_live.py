"""Real Celery: a worker and beats started as subprocesses, Redis as the broker."""

import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from helpdesk.models import Notification
from sla.models import SlaTarget
from tests.factories import MembershipFactory, make_ticket
from tests.sla.conftest import make_policy
from tests.sla.live import Cluster, RedisRelay, flush_redis, redis_url, wait_for
from tickets import services
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db(transaction=True)


def _notification_ids_in(mails: str) -> list[int]:
    return [int(n) for n in re.findall(r"X-Helpdesk-Notification: (\d+)", mails)]


def test_two_beats_and_a_worker_wake_and_breach_exactly_once(
    tmp_path, workspace, agent
):
    url = redis_url()
    flush_redis(url)
    make_policy(workspace, targets={3: (1, 0, 0)})  # first response: 1 minute
    # Created 57 s ago: its first response is due in 3 s (warning already due).
    with time_machine.travel(timezone.now() - timedelta(seconds=57)):
        breaching = make_ticket(workspace, agent, subject="due soon")
    sleeper = make_ticket(workspace, agent, subject="nap")
    services.ticket_snooze(
        ticket=sleeper, until=timezone.now() + timedelta(seconds=3), actor=agent
    )

    with Cluster(tmp_path, url, beats=2) as cluster:
        wait_for(
            lambda: not Ticket.objects.filter(
                pk=sleeper.pk, snoozed_until__isnull=False
            ).exists()
            and SlaTarget.objects.filter(
                ticket=breaching, breached_at__isnull=False
            ).exists()
            and not Notification.objects.exclude(state="sent").exists(),
            timeout=45,
            cluster=cluster,
        )
        time.sleep(3)  # several more sweeps by both beats: nothing new happens

    def count(ticket, kind):
        return TicketEvent.objects.filter(ticket=ticket, kind=kind).count()

    assert count(sleeper, TicketEvent.Kind.WOKE) == 1
    assert count(breaching, TicketEvent.Kind.SLA_BREACHED) == 1
    assert count(breaching, TicketEvent.Kind.SLA_WARNING) <= 1
    sent = _notification_ids_in(cluster.mails())
    expected = list(Notification.objects.values_list("pk", flat=True))
    assert Notification.objects.filter(kind="woke").count() == 1
    assert Notification.objects.filter(kind="sla_breached").count() == 1
    assert sorted(sent) == sorted(expected)


def test_writes_succeed_without_redis_and_notifications_follow_once_it_is_back(
    tmp_path, workspace, agent
):
    url = redis_url()
    flush_redis(url)
    relay = RedisRelay(url)  # down: nothing listens on its port yet
    members = [
        MembershipFactory(workspace=workspace, user__username=f"member{i}").user
        for i in range(5)
    ]
    with Cluster(tmp_path, relay.url) as cluster:
        started = time.monotonic()
        for i in range(10):
            ticket = make_ticket(workspace, agent, subject=f"while redis is down {i}")
            services.ticket_assign(ticket=ticket, assignee=members[i % 5], actor=agent)
        elapsed = time.monotonic() - started
        assert elapsed < 10, f"20 writes took {elapsed:.1f} s with Redis down"
        assert Notification.objects.filter(state="pending").count() == 10
        time.sleep(2)
        assert Notification.objects.filter(state="pending").count() == 10

        relay.up()
        try:
            wait_for(
                lambda: Notification.objects.filter(state="sent").count() == 10,
                timeout=60,
                cluster=cluster,
            )
            time.sleep(2)
        finally:
            relay.down()

    sent = _notification_ids_in(cluster.mails())
    assert sorted(sent) == sorted(Notification.objects.values_list("pk", flat=True))
    assert len(sent) == len(set(sent)) == 10

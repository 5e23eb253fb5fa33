"""Real Celery: a worker and beats started as subprocesses, Redis as the broker."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta

import pytest
import requests
import time_machine
from django.utils import timezone
from rest_framework.authtoken.models import Token

from helpdesk.models import Notification
from sla.models import SlaTarget
from tests.factories import MembershipFactory, make_ticket
from tests.sla.conftest import make_policy
from tests.sla.live import (
    ROOT,
    Cluster,
    RedisRelay,
    WebServer,
    flush_redis,
    free_port,
    redis_url,
    subprocess_database_url,
    wait_for,
)
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
    sends = cluster.beat_sends()
    assert len(sends) == 2 and min(sends.values()) > 0, sends  # both beats ran

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
    """Redis is gone for every process: the writes go through gunicorn (whose
    cache and broker are the relay too), not through this test's own process."""
    url = redis_url()
    flush_redis(url)
    relay = RedisRelay(url)  # down: nothing listens on its port yet
    members = [
        MembershipFactory(workspace=workspace, user__username=f"member{i}").user
        for i in range(5)
    ]
    api = requests.Session()
    api.headers["Authorization"] = f"Token {Token.objects.create(user=agent).key}"
    env = {"REDIS_URL": relay.url}
    with (
        WebServer(tmp_path, env=env) as web,
        Cluster(tmp_path, relay.url, env=env) as cluster,
    ):
        base = f"{web.url}/api/v1/workspaces/{workspace.slug}/tickets/"
        api.get(base, timeout=30)  # warm up: the URL conf and the API's modules
        started = time.monotonic()
        answers = []
        for i in range(10):
            created = api.post(base, json={"subject": f"down {i}"}, timeout=30)
            number = created.json()["number"]
            assigned = api.post(
                f"{base}{number}/assign/",
                json={"assignee": members[i % 5].pk},
                timeout=30,
            )
            answers += [created.status_code, assigned.status_code]
        elapsed = time.monotonic() - started
        assert answers == [201, 200] * 10
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


def test_devserver_runs_jobs_on_the_embedded_broker_without_redis(
    tmp_path, workspace, agent
):
    """What `make run` does: web, worker and beat with no Redis; a snooze ends."""
    ticket = make_ticket(workspace, agent, subject="wake me without redis")
    services.ticket_snooze(
        ticket=ticket, until=timezone.now() + timedelta(seconds=2), actor=agent
    )
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": subprocess_database_url(),
        "REDIS_URL": "",
        "CELERY_BROKER_DIR": str(tmp_path / "broker"),
        "SNOOZE_SWEEP_SECONDS": "1",
        "DB_CONN_MAX_AGE": "0",
    }
    log = open(tmp_path / "devserver.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "devserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def page_served() -> bool:
        try:
            with urllib.request.urlopen(  # noqa: S310 - loopback
                f"http://127.0.0.1:{port}/admin/login/", timeout=2
            ) as response:
                return response.status == 200
        except OSError:
            return False

    try:
        wait_for(
            lambda: page_served()
            and not Ticket.objects.filter(
                pk=ticket.pk, snoozed_until__isnull=False
            ).exists(),
            timeout=60,
        )
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        log.close()
    assert TicketEvent.objects.filter(ticket=ticket, kind="woke").count() == 1
    assert "embedded broker" in (tmp_path / "devserver.log").read_text()

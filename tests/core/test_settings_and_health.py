import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from knowledge.models import Article, TicketInsight
from tickets.models import Ticket

ROOT = Path(__file__).resolve().parents[2]


def _start(env_overrides):
    env = {**os.environ, **env_overrides}
    return subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"DEBUG": "false", "SECRET_KEY": ""}, "SECRET_KEY"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DATABASE_URL": "nosuchdb://x/y"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://localhost"}, "REDIS_URL"),
        ({"TIME_ZONE": "Mars/Olympus"}, "TIME_ZONE"),
        ({"DB_CONN_MAX_AGE": "soon"}, "DB_CONN_MAX_AGE"),
        ({"API_RATE_LIMIT": "lots"}, "API_RATE_LIMIT"),
        ({"API_RATE_LIMIT": "600/fortnight"}, "API_RATE_LIMIT"),
        ({"LOGIN_FAILURE_LIMIT": "0"}, "LOGIN_FAILURE_LIMIT"),
        ({"LOGIN_LOCKOUT_MINUTES": "a while"}, "LOGIN_LOCKOUT_MINUTES"),
        ({"CREDENTIAL_KEYS": "not-a-fernet-key"}, "CREDENTIAL_KEYS"),
        ({"SYNC_ENCRYPTION_KEY": "short"}, "SYNC_ENCRYPTION_KEY"),
        ({"SYNC_MAX_ATTEMPTS": "0"}, "SYNC_MAX_ATTEMPTS"),
        ({"SYNC_READ_TIMEOUT": "soon"}, "SYNC_READ_TIMEOUT"),
    ],
)
def test_bad_settings_stop_start_up_naming_the_variable(overrides, variable):
    result = _start(overrides)
    assert result.returncode != 0
    assert variable in result.stderr


def test_healthz_reports_database_and_redis(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["redis"] == {
        "ok": False,
        "configured": True,
        "error": "ConnectionError",
    }


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a real Redis")
def test_healthz_sees_a_live_redis(client, db, settings):
    settings.REDIS_URL = os.environ["REDIS_URL"]
    assert client.get("/healthz").json()["redis"] == {"ok": True, "configured": True}


def test_seed_demo_is_idempotent(db):
    call_command("seed_demo", verbosity=0)
    count = Ticket.objects.count()
    statuses = set(Ticket.objects.values_list("status", flat=True))
    sources = set(Ticket.objects.values_list("source", flat=True))
    priorities = set(Ticket.objects.values_list("priority", flat=True))
    call_command("seed_demo", verbosity=0)
    # 300 of the ticket demo, 60 of the knowledge demo (knowledge/demo.py): a
    # resolved and an escalated ticket per article
    assert Ticket.objects.count() == count == 360
    assert Article.objects.filter(status="published").count() == 30
    assert TicketInsight.objects.count() == 30
    assert statuses == set(Ticket.Status.values)
    assert sources == {"ai_escalation", "agent"}
    assert priorities == {1, 2, 3, 4, 5}
    assert Ticket.objects.filter(snoozed_until__isnull=False).exists()


def test_seed_demo_stages_what_is_happening_now(db):
    """Overdue and at-risk SLA clocks, tickets waking in minutes, unread replies:
    the counts the demo promises (tickets.management.demo_moments)."""
    from datetime import timedelta

    from django.utils import timezone

    from sla.models import SlaTarget
    from tickets.models import TicketEvent

    call_command("seed_demo", verbosity=0)
    now = timezone.now()
    assert SlaTarget.objects.filter(breached_at__isnull=False).count() >= 4
    assert TicketEvent.objects.filter(kind="sla_breached").count() >= 4
    assert TicketEvent.objects.filter(kind="sla_warning").count() >= 4
    waking = Ticket.objects.filter(
        snoozed_until__gt=now, snoozed_until__lte=now + timedelta(minutes=7)
    )
    assert waking.count() == 3
    assert (
        Ticket.objects.filter(assignee__username="agent", assignee_unread=True).count()
        >= 2
    )


def test_login_and_tickets_page(client, db):
    call_command("seed_demo", verbosity=0)
    assert client.get("/").status_code == 302
    response = client.post("/login/", {"username": "agent", "password": "demo1234"})
    assert response.status_code == 302
    page = client.get("/", follow=True)
    assert page.status_code == 200
    assert b"Acme" in page.content and b"TKT-" in page.content

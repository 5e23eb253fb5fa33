"""The database connection of a live gunicorn worker is killed
(`pg_terminate_backend`) between two requests and in the middle of a write.

Between requests the next request just works: CONN_HEALTH_CHECKS notices the dead
persistent connection and opens a new one. In the middle of a ticket creation the
request answers a clean 503 in the API's JSON error shape, PostgreSQL rolls the
whole transaction back (no ticket, no number used, no event, no history, no outbox
row) and a retry with the same Idempotency-Key creates the ticket once.
"""

import threading

import psycopg
import pytest
import requests
from django.db import connection
from rest_framework.authtoken.models import Token

from helpdesk.models import Workspace
from integrations.models import SyncOp
from tests import figures
from tests.factories import MembershipFactory
from tests.fakes.zendesk import FakeZendesk
from tests.integrations.conftest import connect
from tests.reliability.conftest import postgres_only
from tests.sla.live import WebServer, subprocess_database_url, wait_for
from tickets.models import Ticket, TicketEvent

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]


def _terminate(*, only_waiting_on_a_lock: bool = False) -> int:
    """Kill the test database's other client backends (all, or those waiting)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend' "
            "AND (NOT %s OR wait_event_type = 'Lock')",
            [only_waiting_on_a_lock],
        )
        return cursor.fetchone()[0]


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.fixture
def api(tmp_path, workspace, settings):
    user = MembershipFactory(workspace=workspace, user__username="agent").user
    session = requests.Session()
    session.headers["Authorization"] = f"Token {Token.objects.create(user=user).key}"
    # One sync worker keeping its connection between requests (DB_CONN_MAX_AGE).
    with WebServer(tmp_path, env={"DB_CONN_MAX_AGE": "60"}) as web:
        session.base = f"{web.url}/api/v1/workspaces/acme"
        yield session


def test_a_connection_killed_between_requests_is_replaced(api):
    assert api.get(f"{api.base}/tickets/", timeout=10).status_code == 200
    killed = _terminate()
    after = api.get(f"{api.base}/tickets/", timeout=10)
    figures.report(
        "DB-between",
        {"backends_killed": figures.at_least(1), "next_status": 200},
        backends_killed=killed,
        next_status=after.status_code,
    )


def test_a_connection_killed_mid_write_leaves_nothing_and_the_retry_creates_once(
    api, workspace, settings
):
    settings.SYNC_ALLOW_LOCAL_URLS = True
    fake = FakeZendesk().start()
    connect(workspace, fake)  # so a creation also writes an outbox row
    fake.stop()
    body = {"subject": "Half-written?", "tags": ["blocker"]}
    headers = {"Idempotency-Key": "create-once"}
    # Another transaction holds an uncommitted tag of the same name: the creation
    # has numbered and inserted its ticket, then waits on the tag's unique index.
    blocker = psycopg.connect(subprocess_database_url())
    blocker.execute(
        "INSERT INTO tickets_tag (workspace_id, name) VALUES (%s, 'blocker')",
        [workspace.pk],
    )
    answers = []
    request = threading.Thread(
        target=lambda: answers.append(
            api.post(f"{api.base}/tickets/", json=body, headers=headers, timeout=30)
        )
    )
    request.start()
    try:
        wait_for(_waiting_on_a_lock, timeout=20)
        killed = _terminate(only_waiting_on_a_lock=True)
        request.join(timeout=30)
    finally:
        blocker.rollback()
        blocker.close()
    (failed,) = answers

    left = {
        "tickets": Ticket.objects.count(),
        "events": TicketEvent.objects.count(),
        "history": Ticket.history.count(),
        "outbox": SyncOp.objects.count(),
        "numbers_used": Workspace.objects.get(pk=workspace.pk).next_number - 1,
    }
    retry = api.post(f"{api.base}/tickets/", json=body, headers=headers, timeout=30)
    again = api.post(f"{api.base}/tickets/", json=body, headers=headers, timeout=30)
    figures.report(
        "DB-mid-write",
        {
            "backends_killed": 1,
            "failed_status": 503,
            "half_written_rows": 0,
            "retry_status": 201,
            "tickets_after_retries": 1,
        },
        backends_killed=killed,
        failed_status=failed.status_code,
        half_written_rows=sum(left.values()),
        retry_status=retry.status_code,
        tickets_after_retries=Ticket.objects.count(),
    )
    assert failed.json()["code"] == "database_unavailable"
    assert left == dict.fromkeys(left, 0)
    assert retry.json()["ref"] == "TKT-1"
    assert again.json() == retry.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
    assert SyncOp.objects.count() == 1

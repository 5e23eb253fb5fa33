"""The SLA clocks and external sync state on the ticket API: fields, filters, order."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from integrations.models import Connection, ExternalLink
from tests.api.conftest import BASE
from tests.factories import make_ticket
from tests.sla.conftest import make_policy

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clocked(workspace, agent):
    """Urgent (first response due in 15 min) and medium (60 min) tickets, and one
    resolved ticket with no running clock."""
    make_policy(workspace)
    with time_machine.travel(START, tick=False):
        urgent = make_ticket(workspace, agent, subject="Urgent", priority=5)
        medium = make_ticket(workspace, agent, subject="Medium", priority=3)
        done = make_ticket(workspace, agent, subject="Done", status="resolved")
    return urgent, medium, done


def _numbers(response):
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()["results"]]


def test_list_rows_carry_each_clock_with_state_and_time_left(api, clocked):
    with time_machine.travel(START + timedelta(minutes=13), tick=False):
        rows = api.get(f"{BASE}/tickets/", {"ordering": "number"}).json()["results"]
    urgent_first = next(c for c in rows[0]["sla"] if c["metric"] == "first_response")
    medium_first = next(c for c in rows[1]["sla"] if c["metric"] == "first_response")
    assert (urgent_first["state"], urgent_first["time_left_seconds"]) == (
        "at_risk",
        120,
    )
    assert (medium_first["state"], medium_first["time_left_seconds"]) == (
        "on_track",
        47 * 60,
    )
    assert rows[0]["external_links"] == []


def test_sla_filters_at_risk_and_overdue(api, clocked):
    urgent, medium, _done = clocked
    with time_machine.travel(START + timedelta(minutes=13), tick=False):
        assert _numbers(api.get(f"{BASE}/tickets/", {"sla": "at_risk"})) == [
            urgent.number
        ]
        assert _numbers(api.get(f"{BASE}/tickets/", {"sla": "overdue"})) == []
    with time_machine.travel(START + timedelta(minutes=70), tick=False):
        overdue = _numbers(api.get(f"{BASE}/tickets/", {"sla": "overdue"}))
        due_today = _numbers(api.get(f"{BASE}/tickets/", {"sla": "due_today"}))
    assert sorted(overdue) == sorted([urgent.number, medium.number])
    assert sorted(due_today) == sorted([urgent.number, medium.number])
    bad = api.get(f"{BASE}/tickets/", {"sla": "someday"})
    assert bad.status_code == 400
    assert "sla" in bad.json()["errors"]


def test_next_breach_ordering_pages_with_a_cursor(api, clocked):
    urgent, medium, done = clocked
    seen, url, params = (
        [],
        f"{BASE}/tickets/",
        {"ordering": "next_breach", "page_size": 1},
    )
    with time_machine.travel(START + timedelta(minutes=1), tick=False):
        while url:
            page = api.get(url, params).json()
            seen += [row["number"] for row in page["results"]]
            url, params = page["next"], None
    assert seen == [urgent.number, medium.number, done.number]


def test_sync_status_filter_and_external_links(api, workspace, clocked):
    urgent, medium, done = clocked
    connection = Connection.objects.create(
        workspace=workspace, platform="zendesk", subdomain="acme", push_enabled=False
    )
    ExternalLink.objects.create(
        workspace=workspace,
        connection=connection,
        ticket=urgent,
        platform="zendesk",
        remote_id="981",
        state=ExternalLink.State.ERROR,
        last_error="422: subject is required",
    )
    assert _numbers(api.get(f"{BASE}/tickets/", {"sync_status": "error"})) == [
        urgent.number
    ]
    assert sorted(
        _numbers(api.get(f"{BASE}/tickets/", {"sync_status": "not_connected"}))
    ) == sorted([medium.number, done.number])
    assert _numbers(api.get(f"{BASE}/tickets/", {"sync_status": "synced"})) == []
    detail = api.get(f"{BASE}/tickets/{urgent.ref}/").json()
    assert detail["external_links"] == [
        {
            "platform": "zendesk",
            "remote_id": "981",
            "remote_url": "",
            "state": "error",
            "last_synced_at": None,
            "remote_updated_at": None,
            "last_error": "422: subject is required",
        }
    ]

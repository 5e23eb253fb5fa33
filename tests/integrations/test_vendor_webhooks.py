"""The vendors' own webhook payloads (tests/fakes/vendor/*, copied from their
documentation) applied to a linked ticket: exact status, priority and assignee.
The expected values are written here, from the vendors' meaning of their values."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from integrations.models import ExternalLink
from tests.factories import make_ticket
from tests.integrations.conftest import connect, drain_until_idle
from tests.integrations.signing import (
    gorgias_headers,
    kustomer_headers,
    zendesk_headers,
)

VENDOR = Path(__file__).resolve().parents[1] / "fakes" / "vendor"


def _payload(name: str) -> dict:
    data = json.loads((VENDOR / name).read_text())
    data.pop("_source")
    return data


def _later() -> str:
    return (datetime.now(UTC) + timedelta(minutes=5)).isoformat()


def _post(client, connection, body: bytes, headers: dict):
    slug = connection.workspace.slug
    url = f"/api/v1/workspaces/{slug}/integrations/webhooks/{connection.uuid}/"
    return client.post(url, data=body, content_type="application/json", **headers)


def _linked(workspace, fake, agent):
    connection = connect(workspace, fake)
    ticket = make_ticket(workspace, agent, priority=1)
    drain_until_idle()
    return connection, ticket, ExternalLink.objects.get(ticket=ticket)


def test_zendesk_upper_case_status_and_priority_apply_exactly(
    client, workspace, zendesk, agent
):
    connection, ticket, link = _linked(workspace, zendesk, agent)
    for name, expected in [
        ("ticket_status_changed.json", ("waiting_on_contact", 4)),  # PENDING, HIGH
        ("ticket_priority_changed.json", ("open", 5)),  # OPEN, URGENT
    ]:
        event = _payload(f"zendesk/{name}")
        event["id"] = f"evt-{name}"
        event["detail"].update(
            id=link.remote_id, external_id=ticket.ref, updated_at=_later()
        )
        body = json.dumps(event).encode()
        answer = _post(client, connection, body, zendesk_headers(body))
        assert answer.status_code == 200, answer.content
        ticket.refresh_from_db()
        assert (ticket.status, ticket.priority) == expected, name


def test_zendesk_title_case_status_of_a_created_event_is_understood(
    client, workspace, zendesk, agent
):
    connection, ticket, link = _linked(workspace, zendesk, agent)
    ticket.status = "in_progress"
    ticket.save(update_fields=["status"])
    event = _payload("zendesk/ticket_created.json")  # "status": "Open"
    event["detail"].update(id=link.remote_id, updated_at=_later())
    body = json.dumps(event).encode()
    assert _post(client, connection, body, zendesk_headers(body)).status_code == 200
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == ("open", 1)


def test_gorgias_http_integration_body_applies_status_priority_and_assignee(
    client, workspace, gorgias, agent, sync_agent
):
    connection, ticket, link = _linked(workspace, gorgias, agent)
    event = _payload("gorgias/http_integration_ticket_updated.json")
    event["ticket"].update(
        id=int(link.remote_id), external_id=ticket.ref, updated_datetime=_later()
    )
    body = json.dumps(event).encode()
    answer = _post(client, connection, body, gorgias_headers())
    assert answer.status_code == 200, answer.content
    ticket.refresh_from_db()
    # closed + high, assignee_user_id 601 = agent@acme.test on the fake
    assert (ticket.status, ticket.priority) == ("resolved", 4)
    assert ticket.assignee == sync_agent


def test_kustomer_conversation_update_event_applies_status_priority_and_tags(
    client, workspace, kustomer, agent
):
    connection, ticket, link = _linked(workspace, kustomer, agent)
    event = _payload("kustomer/conversation_update_event.json")
    kustomer.tags["5f9a0d1e2c3b4a5968778899"] = "vip"  # the id in the payload
    event["data"]["id"] = link.remote_id
    event["data"]["attributes"].update(externalId=ticket.ref, updatedAt=_later())
    body = json.dumps(event).encode()
    answer = _post(client, connection, body, kustomer_headers(body))
    assert answer.status_code == 200, answer.content
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == ("waiting_on_contact", 4)
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["vip"]

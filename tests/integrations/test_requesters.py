"""Requesters come home: a ticket made on the platform is imported with its
requester as our contact, a requester changed there changes ours, and our own
placeholder for requester-less tickets never becomes a contact."""

from integrations import pull
from integrations.models import Connection, ExternalLink
from tests.factories import make_ticket
from tests.integrations.conftest import connect, drain_until_idle
from tests.integrations.signing import zendesk_event, zendesk_headers
from tickets.models import Ticket


def _pull(connection):
    return pull.pull_connection(Connection.objects.get(pk=connection.pk))


def test_zendesk_requester_is_imported_and_followed(workspace, zendesk):
    connection = connect(workspace, zendesk)
    made = zendesk.add_ticket(subject="Phoned in", requester_id=503)
    assert _pull(connection)["created"] == 1
    ticket = Ticket.objects.get()
    assert (ticket.requester.email, ticket.requester.name) == (
        "requester@acme.test",
        "Req",
    )
    zendesk.remote_edit(made["id"], requester_id=502)
    assert _pull(connection)["updated"] == 1
    ticket.refresh_from_db()
    assert ticket.requester.email == "boss@acme.test"
    # Sideloaded by the export: no request per ticket for its requester.
    assert zendesk.requests_matching("GET", "/users/") == []


def test_gorgias_requester_comes_inline(workspace, gorgias):
    connection = connect(workspace, gorgias)
    gorgias.add_ticket(customer={"id": 9, "email": "ann@example.org", "name": "Ann"})
    connection.pull_cursor = "2000-01-01T00:00:00+00:00"
    connection.save(update_fields=["pull_cursor"])
    assert _pull(connection)["created"] == 1
    requester = Ticket.objects.get().requester
    assert (requester.email, requester.name) == ("ann@example.org", "Ann")


def test_kustomer_requester_is_read_from_the_customer(workspace, kustomer):
    connection = connect(workspace, kustomer)
    kustomer.customers["c-1"] = {
        "type": "customer",
        "id": "c-1",
        "attributes": {"name": "Bo", "emails": [{"email": "bo@example.org"}]},
    }
    kustomer.add_conversation(name="Chat")
    assert _pull(connection)["created"] == 1
    requester = Ticket.objects.get().requester
    assert (requester.email, requester.name) == ("bo@example.org", "Bo")


def test_our_placeholder_for_no_requester_never_becomes_a_contact(
    workspace, kustomer, agent
):
    connection = connect(workspace, kustomer)
    ticket = make_ticket(workspace, agent)
    drain_until_idle()
    link = ExternalLink.objects.get()
    kustomer.remote_edit(link.remote_id, priority=5)
    assert _pull(connection)["updated"] == 1
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.requester) == (5, None)


def test_zendesk_webhook_requester_change_is_looked_up_once(
    client, workspace, zendesk, agent
):
    """A webhook gives the requester by id only: a new id is looked up (once)."""
    connection = connect(workspace, zendesk)
    ticket = make_ticket(workspace, agent)
    drain_until_idle()
    link = ExternalLink.objects.get()
    url = f"/api/v1/workspaces/acme/integrations/webhooks/{connection.uuid}/"
    for n in range(2):
        remote = zendesk.remote_edit(int(link.remote_id), requester_id=502)
        body = zendesk_event(f"req-{n}", remote)
        answer = client.post(
            url, data=body, content_type="application/json", **zendesk_headers(body)
        )
        assert answer.status_code == 200, answer.content
        ticket.refresh_from_db()
        assert (ticket.requester.email, ticket.requester.name) == (
            "boss@acme.test",
            "Boss",
        )
    assert len(zendesk.requests_matching("GET", "/users/502")) == 1


def test_kustomer_customer_change_is_followed(workspace, kustomer, agent):
    connection = connect(workspace, kustomer)
    ticket = make_ticket(workspace, agent)
    drain_until_idle()
    link = ExternalLink.objects.get()
    kustomer.customers["c-2"] = {
        "type": "customer",
        "id": "c-2",
        "attributes": {"name": "Cy", "emails": [{"email": "cy@example.org"}]},
    }
    relationships = kustomer.conversations[link.remote_id]["relationships"]
    relationships["customer"]["data"]["id"] = "c-2"
    kustomer.remote_edit(link.remote_id, priority=4)
    assert _pull(connection)["updated"] == 1
    ticket.refresh_from_db()
    assert (ticket.requester.email, ticket.requester.name) == ("cy@example.org", "Cy")
    kustomer.remote_edit(link.remote_id, priority=5)
    _pull(connection)
    assert len(kustomer.requests_matching("GET", "/v1/customers/c-2")) == 1

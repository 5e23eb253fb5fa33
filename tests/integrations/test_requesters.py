"""Requesters come home: a ticket made on the platform is imported with its
requester as our contact, a requester changed there changes ours, and our own
placeholder for requester-less tickets never becomes a contact."""

from integrations import pull
from integrations.models import Connection, ExternalLink
from tests.factories import make_ticket
from tests.integrations.conftest import connect, drain_until_idle
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

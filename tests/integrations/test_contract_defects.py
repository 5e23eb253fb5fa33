"""The defects the vendors' documentation revealed (issue 18), each reproduced
against the strict fakes: these failed before their fix."""

import json
import time

from integrations import pull, registry
from integrations.models import Connection, ExternalLink
from integrations.registry import adapter_for
from tests.factories import ContactFactory, make_ticket
from tests.integrations.conftest import connect, drain_until_idle, remote_view
from tickets import services
from tickets.models import Ticket


def test_kustomer_conversation_lands_on_the_requesters_customer(
    workspace, kustomer, agent
):
    """Defect 1: GET /v1/customers?email= ignores the e-mail and lists everyone."""
    kustomer.customers["c-1"] = {
        "type": "customer",
        "id": "c-1",
        "attributes": {"name": "Other", "emails": [{"email": "other@example.org"}]},
    }
    connect(workspace, kustomer)
    ann = ContactFactory(workspace=workspace, email="ann@example.org")
    make_ticket(workspace, agent, requester=ann)
    drain_until_idle()

    link = ExternalLink.objects.get()
    conversation = kustomer.conversations[link.remote_id]
    customer_id = conversation["relationships"]["customer"]["data"]["id"]
    assert customer_id != "c-1"
    emails = kustomer.customers[customer_id]["attributes"]["emails"]
    assert emails == [{"email": "ann@example.org"}]


def test_gorgias_pull_of_100_changed_tickets_imports_them_all_within_budget(
    workspace, gorgias
):
    """Defect 3: one GET per changed ticket before applying anything; past the
    budget the pull aborted and nothing was ever imported."""
    # A budget smaller than one events page, like the documented 40 / 20 s,
    # scaled down to keep the test short.
    connection = connect(workspace, gorgias, rate_limit=20, rate_period=4)
    gorgias.limit("default", 20, 4)  # the platform's own bucket, same size
    connection.pull_cursor = "2000-01-01T00:00:00+00:00"
    connection.save(update_fields=["pull_cursor"])
    for n in range(100):
        gorgias.add_ticket(subject=f"Made there {n}", priority="high")

    first = pull.pull_all()[connection.pk]
    imported_first = Ticket.objects.count()
    deadline = time.monotonic() + 60
    while Ticket.objects.count() < 100 and time.monotonic() < deadline:
        time.sleep(1)
        pull.pull_all()

    assert imported_first > 0, first  # progress is kept even when the budget stops
    assert Ticket.objects.count() == 100
    assert Ticket.objects.filter(priority=4).count() == 100
    connection.refresh_from_db()
    assert connection.pull_cursor > "2000-01-01T00:00:00+00:00"
    assert gorgias.max_in_window(4) <= 20  # the platform never had to say 429


def test_kustomer_pull_reads_a_burst_of_520_sharing_one_timestamp(workspace, kustomer):
    """Defect 4: always page 1, restarting from the newest updatedAt with gte."""
    # The account budget ten times faster (300 a 6 s, not a minute): each import
    # also reads the conversation's messages and notes.
    connection = connect(workspace, kustomer, rate_limit=300, rate_period=6)
    connection.pull_cursor = json.dumps({"bound": {"gte": "2000-01-01T00:00:00+00:00"}})
    connection.save(update_fields=["pull_cursor"])
    kustomer.frozen_stamp = "2030-01-01T00:00:00.000000+00:00"
    for n in range(520):
        kustomer.add_conversation(name=f"Bulk {n}", priority=2)

    counts = pull.pull_connection(connection)

    assert counts["created"] == 520
    assert Ticket.objects.filter(priority=2).count() == 520
    searches = kustomer.requests_matching("POST", "/v1/customers/search")
    assert [r["query"]["page"] for r in searches] == ["1", "2"]
    assert pull.pull_connection(Connection.objects.get(pk=connection.pk)) == {
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "stale": 0,
        "deleted": 0,
    }


def test_kustomer_waiting_on_contact_is_a_snooze_with_a_wake_up_time(
    workspace, kustomer, agent
):
    """Defect 5: snoozed was sent as a plain status, on create too."""
    connect(workspace, kustomer)
    ticket = make_ticket(workspace, agent, status="waiting_on_contact")
    drain_until_idle()
    link = ExternalLink.objects.get(ticket=ticket)
    assert link.state == ExternalLink.State.SYNCED
    attributes = kustomer.conversations[link.remote_id]["attributes"]
    assert attributes["status"] == "snoozed"
    assert attributes["snooze"]["time"] > attributes["updatedAt"]


def test_a_ticket_deleted_on_zendesk_is_neither_reopened_nor_imported(
    workspace, zendesk, agent
):
    """Defect 6: the export includes deletions, and "deleted" mapped to open."""
    connection = connect(workspace, zendesk)
    ticket = make_ticket(workspace, agent)
    services.ticket_change_status(ticket=ticket, to="resolved", actor=agent)
    drain_until_idle()
    link = ExternalLink.objects.get()
    pull.pull_connection(connection)
    zendesk.remote_delete(int(link.remote_id))
    other = zendesk.add_ticket(subject="Spam")
    zendesk.remote_delete(other["id"])

    counts = pull.pull_connection(Connection.objects.get(pk=connection.pk))

    assert counts["deleted"] == 2
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    assert Ticket.objects.count() == 1
    link.refresh_from_db()
    assert link.remote_status == "deleted"


def test_zendesk_keeps_multi_word_tags_and_tags_added_there_meanwhile(
    workspace, zendesk, agent
):
    """Defect 9: "two words" became two tags; a write erased tags added there."""
    connection = connect(workspace, zendesk)
    ticket = make_ticket(workspace, agent, tags=["two words"])
    drain_until_idle()
    link = ExternalLink.objects.get()
    remote_id = int(link.remote_id)
    assert "two_words" in zendesk.tickets[remote_id]["tags"]
    tags = zendesk.tickets[remote_id]["tags"]
    zendesk.remote_edit(remote_id, tags=[*tags, "escalated"])  # not pulled yet

    services.ticket_set_tags(ticket=ticket, actor=agent, add=["vip"])
    drain_until_idle()

    assert set(remote_view(zendesk, link.remote_id)["tags"]) >= {
        "escalated",
        "two_words",
        "vip",
    }
    puts = zendesk.requests_matching("PUT", f"/tickets/{remote_id}")
    assert puts[-1]["body"]["ticket"]["safe_update"] is True
    fetched = adapter_for(connection).fetch(link.remote_id)
    assert "two words" in fetched.tags


def test_zendesk_assignee_is_the_agent_with_exactly_that_address(workspace, zendesk):
    """Defect 13: the first search hit (an end user whose address contains
    ours) was taken."""
    connection = connect(workspace, zendesk)
    adapter = adapter_for(connection)
    assert adapter.user_id_for_email("agent@acme.test") == "501"
    assert adapter.user_id_for_email("requester@acme.test") is None  # an end user


def test_gorgias_lookup_by_reference_skips_trashed_tickets(workspace, gorgias):
    """Defect 13: the external-id lookup includes trashed tickets."""
    connection = connect(workspace, gorgias)
    gorgias.add_ticket(external_id="HD-9", trashed_datetime="2030-01-01T00:00:00")
    assert adapter_for(connection).find_by_external_id("HD-9") is None


def test_requester_less_tickets_do_not_share_one_customer(workspace, kustomer, agent):
    """Defect 13: every requester-less ticket went to unknown@invalid."""
    connect(workspace, kustomer)
    make_ticket(workspace, agent, subject="One")
    make_ticket(workspace, agent, subject="Two")
    drain_until_idle()
    customers = {
        c["relationships"]["customer"]["data"]["id"]
        for c in kustomer.conversations.values()
    }
    assert len(customers) == 2


def test_kustomer_web_link_points_at_the_agent_desktop(workspace):
    """Defect 13: the link pointed at the API host."""
    connection = Connection(workspace=workspace, platform="kustomer", subdomain="acme")
    url = adapter_for(connection)._web_url("abc")
    assert url == "https://acme.kustomerapp.com/app/conversations/abc"


def test_who_delivers_a_public_reply_is_decided_per_platform(workspace, gorgias, agent):
    """Defect 8: Zendesk e-mails the requester through its triggers; Gorgias
    records a message with sent_datetime without sending it, and Kustomer API
    messages stay on the timeline: those two leave delivery to our channel."""
    delivers = {
        key: spec.delivers_public_replies for key, spec in registry.platforms().items()
    }
    assert delivers == {"gorgias": False, "kustomer": False, "zendesk": True}
    connect(workspace, gorgias)
    ticket = make_ticket(workspace, agent)
    services.comment_add(ticket=ticket, actor=agent, body="Hello", is_public=True)
    drain_until_idle()
    assert gorgias.sent == []  # recorded on Gorgias, not sent by it

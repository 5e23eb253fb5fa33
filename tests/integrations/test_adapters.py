"""Each adapter against its strict fake over real HTTP: create, update, comment,
and status and priority both ways.

Expected values are written here from the vendors' documentation (the values each
platform accepts and returns) and DESIGN §6 (which of ours goes to which of
theirs); none is read from our spec, and nothing is fed back as a hint: what
comes back is what the fake platform stored."""

import pytest

from integrations.models import ExternalLink, SyncOp
from integrations.pull import apply_remote
from integrations.registry import adapter_for
from tests.factories import ContactFactory, make_ticket
from tests.integrations.conftest import (
    comments_of,
    connect,
    drain_until_idle,
    remote_count,
    remote_view,
)
from tickets import services

# What each platform holds for each of our statuses (Zendesk: new|open|pending|
# hold|solved|closed; Gorgias: open|closed; Kustomer: open|snoozed|done).
REMOTE_STATUS = {
    "zendesk": {
        "open": "open",
        "in_progress": "open",
        "waiting_on_contact": "pending",
        "resolved": "solved",
    },
    "gorgias": {
        "open": "open",
        "in_progress": "open",
        "waiting_on_contact": "open",
        "resolved": "closed",
    },
    "kustomer": {
        "open": "open",
        "in_progress": "open",
        "waiting_on_contact": "snoozed",
        "resolved": "done",
    },
}
# Priority 1 and 5 (Zendesk low|normal|high|urgent; Gorgias low|normal|high|
# critical; Kustomer 1 lowest to 5 highest).
REMOTE_PRIORITY = {
    "zendesk": {1: "low", 5: "urgent"},
    "gorgias": {1: "low", 5: "critical"},
    "kustomer": {1: 1, 5: 5},
}
ASSIGNEE_ID = {"zendesk": 501, "gorgias": 601, "kustomer": "u-701"}


def test_create_pushes_the_ticket_with_our_reference(
    workspace, platform_fake, sync_agent
):
    connection = connect(workspace, platform_fake)
    requester = ContactFactory(workspace=workspace, email="ann@example.org")
    ticket = make_ticket(
        workspace,
        sync_agent,
        subject="Refund please",
        content="Order 77 arrived broken",
        priority=5,
        tags=["refund"],
        requester=requester,
    )

    drain_until_idle()

    link = ExternalLink.objects.get(ticket=ticket, connection=connection)
    assert link.state == ExternalLink.State.SYNCED
    assert link.remote_url
    remote = remote_view(platform_fake, link.remote_id)
    platform = connection.platform
    assert remote["external_id"] == ticket.ref
    assert remote["subject"] == "Refund please"
    assert remote["status"] == "open"
    assert remote["priority"] == REMOTE_PRIORITY[platform][5]
    assert remote["assignee"] == ASSIGNEE_ID[platform]
    assert remote["tags"] == ["hd_priority_5", "hd_status_open", "refund"]
    assert "Order 77 arrived broken" in comments_of(platform_fake, link.remote_id)
    assert ticket.events.filter(kind="synced", data__direction="pushed").exists()


@pytest.mark.parametrize("status", ["in_progress", "waiting_on_contact", "resolved"])
def test_status_and_priority_changes_round_trip(
    workspace, platform_fake, agent, status
):
    connection = connect(workspace, platform_fake)
    ticket = make_ticket(workspace, agent)
    services.ticket_change_status(ticket=ticket, to=status, actor=agent)
    services.ticket_set_priority(ticket=ticket, priority=1, actor=agent)
    drain_until_idle()

    link = ExternalLink.objects.get(ticket=ticket)
    assert link.state == ExternalLink.State.SYNCED
    remote = remote_view(platform_fake, link.remote_id)
    assert remote["status"] == REMOTE_STATUS[connection.platform][status]
    assert remote["priority"] == REMOTE_PRIORITY[connection.platform][1]

    # Read back from the platform (its stored marker tags included), the lossy
    # values come home exact, and applying them changes nothing.
    adapter = adapter_for(connection)
    fetched = adapter.fetch(link.remote_id)
    assert (fetched.status, fetched.priority) == (status, 1)
    ticket.refresh_from_db()
    version = ticket.version
    assert apply_remote(connection, fetched, adapter) in {"unchanged", "stale"}
    ticket.refresh_from_db()
    assert ticket.version == version


# A change made on the platform (no marker of ours): the platform's value, as its
# API returns it, and what it means here (DESIGN §6).
MADE_THERE = {
    "zendesk": [
        ({"status": "new", "priority": "low"}, ("open", 2)),
        ({"status": "pending", "priority": "normal"}, ("waiting_on_contact", 3)),
        ({"status": "hold", "priority": "high"}, ("in_progress", 4)),
        ({"status": "solved", "priority": "urgent"}, ("resolved", 5)),
    ],
    "gorgias": [
        ({"status": "open", "priority": "low"}, ("open", 2)),
        ({"status": "closed", "priority": "critical"}, ("resolved", 5)),
    ],
    "kustomer": [
        ({"status": "open", "priority": 1}, ("open", 1)),
        ({"status": "snoozed", "priority": 4}, ("waiting_on_contact", 4)),
        ({"status": "done", "priority": 5}, ("resolved", 5)),
    ],
}


def test_values_set_on_the_platform_map_to_ours(workspace, platform_fake, agent):
    connection = connect(workspace, platform_fake)
    make_ticket(workspace, agent)
    drain_until_idle()
    link = ExternalLink.objects.get()
    adapter = adapter_for(connection)
    key = link.remote_id if connection.platform == "kustomer" else int(link.remote_id)
    for values, expected in MADE_THERE[connection.platform]:
        platform_fake.remote_edit(key, tags=[], **values)
        fetched = adapter.fetch(link.remote_id)
        assert (fetched.status, fetched.priority) == expected, values


def test_updates_and_comments_are_pushed_in_order(workspace, platform_fake, agent):
    connect(workspace, platform_fake)
    ticket = make_ticket(workspace, agent, subject="First")
    services.ticket_update(ticket=ticket, actor=agent, changes={"subject": "Second"})
    services.ticket_set_tags(ticket=ticket, actor=agent, add=["vip"])
    services.comment_add(
        ticket=ticket, actor=agent, body="We are on it", is_public=True
    )
    services.comment_add(ticket=ticket, actor=agent, body="internal only")

    drain_until_idle()

    link = ExternalLink.objects.get(ticket=ticket)
    remote = remote_view(platform_fake, link.remote_id)
    assert remote["subject"] == "Second"
    assert "vip" in remote["tags"]
    comments = comments_of(platform_fake, link.remote_id)
    assert "We are on it" in comments
    assert "internal only" in comments  # mirrored as a note (tests/…/test_comments)
    assert list(SyncOp.objects.values_list("kind", "state")) == [
        ("create", "done"),
        ("update", "done"),
        ("update", "done"),
        ("comment", "done"),
        ("comment", "done"),
    ]
    assert remote_count(platform_fake) == 1

"""Each adapter against its fake over real HTTP: create, update, comment, and the
status and priority mappings both ways."""

import pytest

from integrations.gorgias import mapping as gorgias_map
from integrations.kustomer import mapping as kustomer_map
from integrations.models import ExternalLink, SyncOp
from integrations.pull import apply_remote
from integrations.registry import adapter_for
from integrations.zendesk import mapping as zendesk_map
from tests.factories import ContactFactory, make_ticket
from tests.integrations.conftest import (
    comments_of,
    connect,
    drain_until_idle,
    remote_count,
    remote_view,
)
from tickets import services, workflow

STATUSES = list(workflow.Status.values)
MAPPINGS = [zendesk_map, gorgias_map, kustomer_map]

REMOTE_STATUS = {
    "zendesk": zendesk_map.STATUS_TO_REMOTE,
    "gorgias": gorgias_map.STATUS_TO_REMOTE,
    "kustomer": kustomer_map.STATUS_TO_REMOTE,
}
REMOTE_PRIORITY = {
    "zendesk": zendesk_map.PRIORITY_TO_REMOTE,
    "gorgias": gorgias_map.PRIORITY_TO_REMOTE,
    "kustomer": {p: p for p in range(1, 6)},
}
ASSIGNEE_ID = {"zendesk": 501, "gorgias": 601, "kustomer": "u-701"}


@pytest.mark.parametrize("mapping", MAPPINGS, ids=["zendesk", "gorgias", "kustomer"])
@pytest.mark.parametrize("status", STATUSES)
def test_status_round_trip_is_exact_with_the_marker(mapping, status):
    remote = mapping.status_to_remote(status)
    assert mapping.status_from_remote(remote, status) == status


@pytest.mark.parametrize("mapping", MAPPINGS, ids=["zendesk", "gorgias", "kustomer"])
@pytest.mark.parametrize("priority", [1, 2, 3, 4, 5])
def test_priority_round_trip_is_exact_with_the_marker(mapping, priority):
    remote = mapping.priority_to_remote(priority)
    assert mapping.priority_from_remote(remote, priority) == priority


def test_zendesk_priority_mapping_follows_the_design():
    assert [zendesk_map.priority_to_remote(p) for p in range(1, 6)] == [
        "low",
        "low",
        "normal",
        "high",
        "urgent",
    ]
    assert zendesk_map.priority_from_remote("urgent") == 5
    assert zendesk_map.priority_from_remote(None) == 3
    assert zendesk_map.status_from_remote("hold") == "in_progress"
    assert zendesk_map.status_from_remote("new") == "open"


def test_remote_values_without_our_marker_map_to_the_nearest_status():
    assert gorgias_map.status_from_remote("closed") == "resolved"
    assert gorgias_map.status_from_remote("closed", snoozed=True) == (
        "waiting_on_contact"
    )
    assert kustomer_map.status_from_remote("snoozed") == "waiting_on_contact"
    assert kustomer_map.priority_from_remote(5) == 5


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
    assert remote["status"] == REMOTE_STATUS[platform]["open"]
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
    remote = remote_view(platform_fake, link.remote_id)
    assert remote["status"] == REMOTE_STATUS[connection.platform][status]
    assert remote["priority"] == REMOTE_PRIORITY[connection.platform][1]

    # Read back from the platform, the lossy values come home exact.
    adapter = adapter_for(connection)
    fetched = adapter.fetch(link.remote_id)
    assert (fetched.status, fetched.priority) == (status, 1)
    ticket.refresh_from_db()
    version = ticket.version
    assert apply_remote(connection, fetched, adapter) in {"unchanged", "stale"}
    ticket.refresh_from_db()
    assert ticket.version == version


def test_updates_and_public_comments_are_pushed_in_order(
    workspace, platform_fake, agent
):
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
    assert "internal only" not in comments
    assert list(SyncOp.objects.values_list("kind", "state")) == [
        ("create", "done"),
        ("update", "done"),
        ("update", "done"),
        ("comment", "done"),
    ]
    assert remote_count(platform_fake) == 1

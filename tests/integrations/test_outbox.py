"""The outbox: written with the change, delivered once and in order, retried on
transient failures, stopped and shown on permanent ones."""

import time

import pytest
from django.db import transaction

from integrations import outbox
from integrations import services as sync_services
from integrations.models import ExternalLink, SyncAttempt, SyncOp
from tests.factories import make_ticket
from tests.integrations.conftest import (
    connect,
    drain_until_idle,
    remote_count,
)
from tests.integrations.conftest import platform_of as connection_platform
from tickets import services
from tickets.models import TicketEvent


def test_ops_are_written_in_the_changes_transaction(workspace, zendesk, agent):
    connect(workspace, zendesk)
    with pytest.raises(RuntimeError), transaction.atomic():
        make_ticket(workspace, agent)
        raise RuntimeError("rolled back")
    assert SyncOp.objects.count() == 0

    ticket = make_ticket(workspace, agent)
    services.ticket_set_team(ticket=ticket, team=None, actor=agent)  # no change
    services.comment_add(ticket=ticket, actor=agent, body="note")  # mirrored too
    services.ticket_update(ticket=ticket, actor=agent, changes={"topic": "x"})
    kinds = list(SyncOp.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["create", "comment"]
    assert SyncOp.objects.get(kind="comment").payload["public"] is False
    assert ExternalLink.objects.get().state == ExternalLink.State.PENDING


def test_nothing_is_queued_without_an_enabled_push_connection(
    workspace, zendesk, agent
):
    connect(workspace, zendesk, push_enabled=False)
    make_ticket(workspace, agent)
    assert SyncOp.objects.count() == 0


def test_a_ticket_older_than_the_connection_is_created_on_its_first_change(
    workspace, zendesk, agent
):
    ticket = make_ticket(workspace, agent, subject="Old one")
    connect(workspace, zendesk)
    services.ticket_set_priority(ticket=ticket, priority=4, actor=agent)
    drain_until_idle()
    (remote,) = zendesk.tickets.values()
    assert (remote["subject"], remote["priority"]) == ("Old one", "high")


def test_429_waits_for_retry_after(workspace, gorgias, agent):
    connect(workspace, gorgias)
    make_ticket(workspace, agent)
    gorgias.fail(429, headers={"Retry-After": "1"})

    result = outbox.drain()
    op = SyncOp.objects.get()
    assert (result.retrying, op.state, op.attempts) == (1, "pending", 1)
    assert op.next_attempt_at.timestamp() >= time.time() + 0.8
    assert outbox.drain().delivered == 0  # not due yet

    drain_until_idle(5)
    op.refresh_from_db()
    assert op.state == "done"
    first, second = sorted(t for t, m, _ in gorgias.log if m == "GET")[:2]
    assert second - first >= 1.0
    assert list(op.tries.values_list("outcome", "status_code")) == [
        ("transient", 429),
        ("ok", None),
    ]


def test_500s_and_timeouts_are_retried_with_backoff(workspace, kustomer, agent):
    connect(workspace, kustomer)
    make_ticket(workspace, agent)
    kustomer.fail(500, times=2)
    kustomer.stall()

    drain_until_idle()

    op = SyncOp.objects.get()
    assert op.state == "done"
    outcomes = list(op.tries.values_list("outcome", flat=True))
    assert outcomes == ["transient", "transient", "transient", "ok"]
    assert "did not answer in time" in op.tries.all()[2].error
    assert remote_count(kustomer) == 1


@pytest.mark.parametrize("status", [401, 422])
def test_permanent_errors_stop_show_and_can_be_retried_by_hand(
    workspace, zendesk, agent, status
):
    connect(workspace, zendesk)
    ticket = make_ticket(workspace, agent)
    zendesk.fail(status)
    drain_until_idle(2)
    services.ticket_set_priority(ticket=ticket, priority=5, actor=agent)
    drain_until_idle(0.5)

    link = ExternalLink.objects.get()
    assert link.state == ExternalLink.State.ERROR
    assert str(status) in link.last_error
    assert list(SyncOp.objects.values_list("state", flat=True)) == [
        "failed",
        "pending",
    ]
    failed = ticket.events.get(kind=TicketEvent.Kind.SYNC_FAILED)
    assert str(status) in failed.data["reason"]
    assert SyncAttempt.objects.count() == 1  # not retried, later op held back

    assert sync_services.retry_link(link) == 1
    drain_until_idle()
    link.refresh_from_db()
    assert link.state == ExternalLink.State.SYNCED
    (remote,) = zendesk.tickets.values()
    assert remote["priority"] == "urgent"


def test_giving_up_after_max_attempts_is_a_failure(workspace, zendesk, agent, settings):
    settings.SYNC_MAX_ATTEMPTS = 3
    connect(workspace, zendesk)
    make_ticket(workspace, agent)
    zendesk.down = True
    drain_until_idle(3)
    op = SyncOp.objects.get()
    assert (op.state, op.attempts) == ("failed", 3)
    assert "Gave up after 3 attempts" in ExternalLink.objects.get().last_error


def test_create_whose_answer_was_lost_is_not_duplicated(
    workspace, platform_fake, agent
):
    connect(workspace, platform_fake)
    ticket = make_ticket(workspace, agent)
    services.ticket_change_status(ticket=ticket, to="in_progress", actor=agent)
    # The create is carried out but its answer never arrives.
    create = {"kustomer": "POST /v1/conversations"}.get(
        connection_platform(platform_fake), "POST /tickets"
    )
    platform_fake.lose(on=create)

    drain_until_idle()

    assert remote_count(platform_fake) == 1
    assert set(SyncOp.objects.values_list("state", flat=True)) == {"done"}
    assert ExternalLink.objects.get().remote_id
    assert len(platform_fake.requests_to("POST", create.split(" ")[1])) == 1


def test_closed_zendesk_ticket_gets_a_linked_follow_up(workspace, zendesk, agent):
    connect(workspace, zendesk)
    ticket = make_ticket(workspace, agent)
    drain_until_idle()
    link = ExternalLink.objects.get()
    first_id = int(link.remote_id)
    zendesk.tickets[first_id]["status"] = "closed"
    ExternalLink.objects.filter(pk=link.pk).update(remote_status="")

    services.comment_add(ticket=ticket, actor=agent, body="Again?", is_public=True)
    services.ticket_set_priority(ticket=ticket, priority=4, actor=agent)
    drain_until_idle()

    link.refresh_from_db()
    assert int(link.remote_id) != first_id
    follow_up = zendesk.tickets[int(link.remote_id)]
    assert follow_up["via_followup_source_id"] == first_id
    assert follow_up["external_id"] == ticket.ref
    assert follow_up["priority"] == "high"
    assert zendesk.tickets[first_id]["status"] == "closed"
    assert len(zendesk.tickets) == 2
    assert ticket.events.filter(data__follow_up_of=str(first_id)).exists()


def test_backoff_grows_is_capped_and_honours_retry_after(settings):
    settings.SYNC_BACKOFF_BASE = 2
    settings.SYNC_BACKOFF_MAX = 600
    delays = [outbox.backoff(n) for n in range(1, 12)]
    assert 1 <= delays[0] <= 2
    assert 8 <= delays[4] <= 32
    assert all(d <= 600 for d in delays)
    assert outbox.backoff(1, retry_after=7) == 7

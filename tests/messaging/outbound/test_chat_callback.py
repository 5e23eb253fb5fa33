"""Public replies reach a real HTTP callback receiver, signed, each exactly once and in
order, across a receiver that is down, answers 500, stalls past our timeout and asks
to wait with 429 + Retry-After. Time moves with time-machine, not by waiting."""

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from messaging import delivery
from messaging.models import Delivery
from tests.messaging.outbound.conftest import chat_ticket
from tests.threads import run_together
from tickets import services

pytestmark = pytest.mark.django_db(transaction=True)


def _reply(ticket, agent, body, **kwargs):
    return services.comment_add(
        ticket=ticket, actor=agent, body=body, is_public=True, **kwargs
    )


def _drain_until_done(traveller, rounds=60):
    """Drain; then jump to the next retry time and drain again, until nothing is
    queued. Returns the number of rounds it took."""
    for round_ in range(rounds):
        delivery.drain()
        queued = Delivery.objects.filter(state=Delivery.State.QUEUED)
        if not queued.exists():
            return round_
        waits = [d.next_attempt_at for d in queued if d.next_attempt_at]
        next_at = max(min(waits, default=timezone.now()), timezone.now())
        traveller.move_to(next_at + timedelta(seconds=1))
    raise AssertionError("deliveries still queued")


def test_the_event_is_signed_and_names_conversation_message_author_and_ticket(
    workspace, agent, customer, chat_channel, receiver
):
    ticket = chat_ticket(workspace, customer)
    comment = _reply(ticket, agent, "Hi Dana, **try** turning it off.\n\nThen on.")

    assert delivery.drain().sent == 1

    [event] = receiver.accepted
    message = ticket.primary_conversation.messages.get(author_kind="agent")
    row = Delivery.objects.get(comment=comment)
    assert event == {
        "type": "message.created",
        "id": str(row.idempotency_key),
        "created_at": comment.created_at.isoformat(),
        "conversation": {"external_id": "chat-77"},
        "message": {
            "id": message.pk,
            "body_markdown": "Hi Dana, **try** turning it off.\n\nThen on.",
            "body_text": "Hi Dana, try turning it off.\n\nThen on.",
            "sent_at": message.sent_at.isoformat(),
        },
        "author": {"name": "agent", "kind": "agent"},
        "attachments": [],
        "ticket": {"ref": "TKT-1", "subject": "Printer on fire"},
    }
    assert receiver.rejected == 0
    assert (row.state, row.route, row.attempts) == ("delivered", "chat", 1)
    assert row.delivered_at is not None


def test_a_forged_signature_is_refused_by_the_receiver(
    workspace, agent, customer, chat_channel, receiver
):
    """The receiver's check (the docs' ten lines) rejects a wrong secret; the
    delivery fails for good (401 is permanent) and the author is told."""
    receiver.secret = "another-secret-entirely-0000"
    ticket = chat_ticket(workspace, customer)
    comment = _reply(ticket, agent, "Hello")

    assert delivery.drain().failed == 1
    assert receiver.accepted == []
    row = Delivery.objects.get(comment=comment)
    assert row.state == "failed"
    assert "refused the event (401)" in row.reason
    note = agent.helpdesk_notifications.get()
    assert note.kind == "reply_failed"
    assert note.subject == "[TKT-1] Your reply did not reach the customer"


def test_every_reply_arrives_once_and_in_order_through_outage_500_timeout_and_429(
    workspace, agent, customer, chat_channel, receiver, settings
):
    settings.SYNC_HTTP_TIMEOUT = (1.0, 0.5)
    receiver.stall_seconds = 1.0
    first = chat_ticket(workspace, customer, external_id="chat-1")
    second = chat_ticket(workspace, customer, external_id="chat-2")
    bodies = {first.pk: [], second.pk: []}
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        receiver.stop()  # the chat platform is down
        for n in range(6):
            for ticket in (first, second):
                body = f"{ticket.primary_conversation.external_id} reply {n}"
                _reply(ticket, agent, body)
                bodies[ticket.pk].append(body)
        # Two minutes of outage: every sweep tries the head of each thread only.
        end = timezone.now() + timedelta(minutes=2)
        while timezone.now() < end:
            result = delivery.drain()
            assert result.sent == 0
            traveller.shift(timedelta(seconds=20))
        heads = Delivery.objects.filter(attempts__gt=0)
        assert heads.count() == 2  # later replies wait behind their thread's head
        receiver.start()  # back, on the same port
        receiver.fail(500, times=2)
        receiver.stall()  # takes the event, answers too late: we send it again
        receiver.fail(429, headers={"Retry-After": "90"})
        _drain_until_done(traveller)

    # The 429 asked for 90 seconds: the same event came back no sooner.
    [(limited_at, limited_key, _)] = [e for e in receiver.log if e[2] == 429]
    again = [t for t, key, _ in receiver.log if key == limited_key and t > limited_at]
    assert again[0] - limited_at >= 90
    assert Delivery.objects.filter(state="delivered").count() == 12
    per_conversation = {"chat-1": [], "chat-2": []}
    for event in receiver.accepted:
        per_conversation[event["conversation"]["external_id"]].append(
            event["message"]["body_markdown"]
        )
    assert per_conversation == {
        "chat-1": [f"chat-1 reply {n}" for n in range(6)],
        "chat-2": [f"chat-2 reply {n}" for n in range(6)],
    }
    assert len(set(receiver.keys())) == 12  # zero lost, zero taken twice
    assert receiver.repeats == 1  # the stalled one, dropped by its Idempotency-Key
    assert receiver.rejected == 0


def test_the_delivery_row_commits_and_rolls_back_with_the_reply(
    workspace, agent, customer, chat_channel, receiver
):
    """Written in the reply's transaction: a reply that rolls back leaves no row;
    one that commits leaves one, queued, needing no task or broker to survive."""
    ticket = chat_ticket(workspace, customer)
    with pytest.raises(RuntimeError), transaction.atomic():
        _reply(ticket, agent, "never sent")
        raise RuntimeError("the request failed after the reply")
    assert not Delivery.objects.exists()
    _reply(ticket, agent, "sent later")
    assert Delivery.objects.get().state == "queued"
    assert receiver.accepted == []


def test_two_workers_draining_at_once_send_each_reply_once(
    workspace, agent, customer, chat_channel, receiver
):
    """Row locks (SKIP LOCKED): the second worker skips what the first holds, and
    never starts a thread's later reply while an earlier one is in flight."""
    tickets = [
        chat_ticket(workspace, customer, external_id=f"chat-{n}") for n in range(4)
    ]
    for n in range(5):
        for ticket in tickets:
            _reply(ticket, agent, f"{ticket.primary_conversation.external_id} {n}")

    results = run_together(3, lambda i: delivery.drain())

    assert sum(r.sent for r in results) == 20
    assert receiver.requests == 20  # no request twice
    assert receiver.repeats == 0
    for ticket in tickets:
        name = ticket.primary_conversation.external_id
        bodies = [
            e["message"]["body_markdown"]
            for e in receiver.accepted
            if e["conversation"]["external_id"] == name
        ]
        assert bodies == [f"{name} {n}" for n in range(5)]

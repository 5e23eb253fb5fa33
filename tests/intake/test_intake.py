"""The intake service: upserts, idempotency, validation, customer messages."""

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from helpdesk.lib.errors import IdempotencyKeyReused
from helpdesk.models import Contact
from tests import sqlite_probe
from tests.factories import MembershipFactory
from tests.intake.conftest import message, payload
from tickets import services
from tickets.intake import inbound, rules, service
from tickets.intake.service import escalation_intake
from tickets.models import (
    Conversation,
    EscalationIntake,
    Message,
    Ticket,
    TicketEvent,
)

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locking is proven on PostgreSQL"
)


def post(workspace, bot, body, key=""):
    return escalation_intake(
        workspace=workspace, actor=bot, payload=body, idempotency_key=key
    )


@pytest.mark.django_db
class TestUpserts:
    def test_times_with_any_offset_are_stored_in_utc(self, workspace, bot):
        # PostgreSQL refuses offsets beyond +15:59 that Python parses happily.
        post(
            workspace,
            bot,
            payload(
                escalate=True, conversation__started_at="2026-03-01T23:00:00+16:51"
            ),
        )
        conversation = Conversation.objects.get()
        assert conversation.started_at.isoformat() == "2026-03-01T06:09:00+00:00"

    def test_contact_and_conversation_are_upserted_by_email_and_external_id(
        self, workspace, bot
    ):
        first = post(
            workspace, bot, payload(escalate=True, conversation__external_id="c1")
        )
        again = payload(
            escalate=True,
            event_id="second",
            conversation__external_id="c1",
            conversation__contact={"name": "Other name", "email": "DANA@example.org"},
            conversation__messages=[
                message("contact", "Hi, I was charged twice for order 1234.", 0),
                message("ai", "I'm sorry to hear that. Let me check.", 1),
                message("contact", "Any news?", 5),
            ],
        )
        second = post(workspace, bot, again)
        assert Contact.objects.count() == 1
        assert Conversation.objects.count() == 1
        assert second.conversation == first.conversation
        assert first.conversation.contact.name == "Dana Scully"
        # Only the new message was added.
        assert list(first.conversation.messages.values_list("body", flat=True)) == [
            "Hi, I was charged twice for order 1234.",
            "I'm sorry to hear that. Let me check.",
            "Any news?",
        ]

    def test_contact_without_email_is_found_by_external_id(self, workspace, bot):
        body = payload(escalate=True, conversation__contact={"external_id": "u-9"})
        ticket = post(workspace, bot, body).ticket
        assert ticket.requester.external_id == "u-9"


@pytest.mark.django_db
class TestIdempotency:
    def test_same_key_replays_the_first_outcome(self, workspace, bot):
        body = payload(escalate=True)
        first = post(workspace, bot, body, key="k-1")
        second = post(workspace, bot, body, key="k-1")
        assert (second.replayed, first.replayed) == (True, False)
        assert second.ticket == first.ticket
        assert second.outcome == "created"
        assert Ticket.objects.count() == 1
        assert TicketEvent.objects.filter(kind="escalated").count() == 1

    def test_same_key_with_another_payload_is_refused(self, workspace, bot):
        post(workspace, bot, payload(escalate=True), key="k-1")
        with pytest.raises(IdempotencyKeyReused):
            post(workspace, bot, payload(escalate=True, confidence=1), key="k-1")
        assert Ticket.objects.count() == 1

    def test_client_event_id_is_the_key_when_there_is_no_header(self, workspace, bot):
        body = payload(escalate=True, event_id="evt-1")
        first = post(workspace, bot, body)
        assert post(workspace, bot, body).ticket == first.ticket
        with pytest.raises(IdempotencyKeyReused):
            post(workspace, bot, {**body, "question": "Something else"})
        assert Ticket.objects.count() == 1

    def test_identical_repost_without_key_is_a_replay(self, workspace, bot):
        body = payload(escalate=True)
        post(workspace, bot, body)
        assert post(workspace, bot, body).replayed
        assert Ticket.objects.count() == 1

    def test_keys_are_per_principal_and_per_workspace(
        self, workspace, other_workspace, bot
    ):
        other_bot = MembershipFactory(workspace=workspace, user__username="bot2").user
        post(workspace, bot, payload(escalate=True), key="same")
        post(workspace, other_bot, payload(escalate=True), key="same")
        post(other_workspace, bot, payload(escalate=True), key="same")
        assert Ticket.objects.count() == 3

    def test_claims_older_than_a_week_are_pruned_and_the_key_is_free_again(
        self, workspace, bot
    ):
        body = payload(escalate=True)
        with time_machine.travel(timezone.now() - timedelta(days=8)):
            post(workspace, bot, body, key="old")
        post(workspace, bot, payload(escalate=True), key="recent")
        assert service.escalation_intake_prune() == 1
        assert list(EscalationIntake.objects.values_list("key", flat=True)) == [
            f"key:{bot.pk}:recent"
        ]
        assert not post(workspace, bot, body, key="old").replayed

    def test_not_escalated_outcome_is_replayed_too(self, workspace, bot):
        body = payload()
        first = post(workspace, bot, body, key="quiet")
        again = post(workspace, bot, body, key="quiet")
        assert (first.outcome, again.outcome, again.replayed) == (
            "not_escalated",
            "not_escalated",
            True,
        )


BAD_PAYLOADS = {
    "no conversation": ({"question": "q", "escalate": True}, "conversation"),
    "conversation not an object": ({"conversation": "c1"}, "conversation"),
    "no external id": (
        payload(conversation__external_id=""),
        "conversation.external_id",
    ),
    "confidence 150": (payload(confidence=150), "confidence"),
    "confidence as text": (payload(confidence="high"), "confidence"),
    "unknown author kind": (
        payload(conversation__messages=[message("robot", "beep")]),
        "conversation.messages.0.author_kind",
    ),
    "naive message time": (
        payload(
            conversation__messages=[
                {"author_kind": "contact", "body": "x", "sent_at": "2026-01-01T10:00"}
            ]
        ),
        "conversation.messages.0.sent_at",
    ),
    "2 MB transcript": (
        payload(
            conversation__messages=[
                message("contact", "x" * 100_000, n) for n in range(21)
            ]
        ),
        "conversation.messages",
    ),
    "malformed e-mail": (
        payload(conversation__contact={"email": "dana@@example"}),
        "conversation.contact.email",
    ),
    "priority 9": (payload(priority=9), "priority"),
    "escalate as text": (payload(escalate="yes"), "escalate"),
    "not an object": (["escalate"], "non_field_errors"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", BAD_PAYLOADS, ids=list(BAD_PAYLOADS))
def test_bad_payload_names_the_field_and_writes_nothing(workspace, bot, case):
    body, field = BAD_PAYLOADS[case]
    rules.escalation_rule_create(
        workspace=workspace, actor=None, values={"name": "all"}
    )
    with pytest.raises(ValidationError) as exc:
        post(workspace, bot, body)
    assert field in exc.value.message_dict
    assert Ticket.objects.count() == 0
    assert Conversation.objects.count() == 0
    assert Contact.objects.count() == 0
    assert EscalationIntake.objects.count() == 0


@pytest.mark.django_db
def test_messages_without_sent_at_take_the_time_of_receipt(workspace, bot):
    received = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    undated = [
        {"author_kind": "contact", "body": "My card was charged twice"},
        {"author_kind": "ai", "body": "Let me check.", "sent_at": None},
    ]
    with time_machine.travel(received, tick=False):
        result = post(workspace, bot, payload(conversation__messages=undated))
    stored = list(result.conversation.messages.order_by("id"))
    assert [m.sent_at for m in stored] == [received, received]
    assert [m.body for m in stored] == ["My card was charged twice", "Let me check."]
    assert result.conversation.started_at == received


@pytest.mark.django_db
class TestCustomerMessages:
    @pytest.fixture
    def ticket(self, workspace, bot):
        return post(workspace, bot, payload(escalate=True)).ticket

    def add(self, ticket, *bodies, kind="contact"):
        return inbound.conversation_add_messages(
            conversation=ticket.primary_conversation,
            messages=[message(kind, body, 30 + n) for n, body in enumerate(bodies)],
        )

    def test_customer_message_reopens_a_ticket_waiting_on_contact(self, ticket):
        services.ticket_change_status(
            ticket=ticket, to="waiting_on_contact", actor=None
        )
        self.add(ticket, "Here is the receipt you asked for.")
        ticket.refresh_from_db()
        assert ticket.status == "open"
        replied = ticket.events.get(kind=TicketEvent.Kind.CUSTOMER_REPLIED)
        assert replied.actor_label == "Customer"
        assert replied.data["excerpt"] == "Here is the receipt you asked for."
        assert ticket.events.filter(kind="status_changed").last().data["new"] == "open"

    def test_customer_message_wakes_a_snoozed_ticket(self, ticket):
        services.ticket_snooze(
            ticket=ticket, until=timezone.now() + timedelta(days=2), actor=None
        )
        self.add(ticket, "Still waiting")
        ticket.refresh_from_db()
        assert ticket.snoozed_until is None
        assert ticket.events.filter(kind=TicketEvent.Kind.UNSNOOZED).exists()

    def test_in_progress_ticket_keeps_its_status_but_hears_the_reply(self, ticket):
        services.ticket_change_status(ticket=ticket, to="in_progress", actor=None)
        self.add(ticket, "Any update?")
        ticket.refresh_from_db()
        assert ticket.status == "in_progress"
        assert ticket.events.filter(kind=TicketEvent.Kind.CUSTOMER_REPLIED).count() == 1

    def test_every_ticket_fed_by_the_conversation_hears_the_reply(
        self, workspace, agent, ticket
    ):
        other = inbound.ticket_create_from_conversation(
            conversation=ticket.primary_conversation, actor=agent
        )
        third = services.ticket_create(workspace=workspace, actor=agent, subject="x")
        services.ticket_add_conversation(
            ticket=third, conversation=ticket.primary_conversation, actor=agent
        )
        self.add(ticket, "Hello?")
        assert (
            TicketEvent.objects.filter(kind=TicketEvent.Kind.CUSTOMER_REPLIED).count()
            == 3
        )
        assert {
            e.ticket for e in TicketEvent.objects.filter(kind="customer_replied")
        } == {
            ticket,
            other,
            third,
        }

    def test_ai_or_agent_messages_do_not_count_as_customer_replies(self, ticket):
        services.ticket_change_status(
            ticket=ticket, to="waiting_on_contact", actor=None
        )
        self.add(ticket, "Automated follow-up", kind="ai")
        ticket.refresh_from_db()
        assert ticket.status == "waiting_on_contact"
        assert not ticket.events.filter(kind=TicketEvent.Kind.CUSTOMER_REPLIED).exists()

    def test_a_repeated_message_is_stored_and_announced_once(self, ticket):
        self.add(ticket, "Hello?")
        result = self.add(ticket, "Hello?")
        assert result.added == []
        assert ticket.events.filter(kind=TicketEvent.Kind.CUSTOMER_REPLIED).count() == 1

    def test_bad_messages_are_refused_and_nothing_is_added(self, ticket):
        before = Message.objects.count()
        with pytest.raises(ValidationError) as exc:
            inbound.conversation_add_messages(
                conversation=ticket.primary_conversation,
                messages=[message("contact", "ok"), message("alien", "?")],
            )
        assert "messages.1.author_kind" in exc.value.message_dict
        with pytest.raises(ValidationError):
            inbound.conversation_add_messages(
                conversation=ticket.primary_conversation, messages=[]
            )
        assert Message.objects.count() == before

    def test_reposted_escalation_with_a_new_customer_message_reopens(
        self, workspace, bot, ticket
    ):
        services.ticket_change_status(
            ticket=ticket, to="waiting_on_contact", actor=None
        )
        conversation = ticket.primary_conversation
        post(
            workspace,
            bot,
            payload(
                conversation__external_id=conversation.external_id,
                conversation__messages=[message("contact", "I'm back", 40)],
            ),
        )
        ticket.refresh_from_db()
        assert ticket.status == "open"


@pytest.mark.django_db
def test_public_comment_is_appended_to_the_primary_conversation(workspace, bot, agent):
    ticket = post(workspace, bot, payload(escalate=True)).ticket
    services.comment_add(
        ticket=ticket, actor=agent, body="Refund issued.", is_public=True
    )
    services.comment_add(ticket=ticket, actor=agent, body="Internal note")
    last = ticket.primary_conversation.messages.order_by("sent_at", "id").last()
    assert (last.author_kind, last.body, last.author_user) == (
        "agent",
        "Refund issued.",
        agent,
    )
    assert not Message.objects.filter(body="Internal note").exists()


@pytest.mark.django_db
class TestTicketFromConversation:
    def test_one_conversation_can_spawn_several_tickets(self, workspace, bot, agent):
        conversation = post(workspace, bot, payload()).conversation
        first = inbound.ticket_create_from_conversation(
            conversation=conversation, actor=agent
        )
        second = inbound.ticket_create_from_conversation(
            conversation=conversation, actor=agent, subject="Follow-up: invoice copy"
        )
        assert first.primary_conversation == second.primary_conversation == conversation
        assert first.subject == "Hi, I was charged twice for order 1234."
        assert second.subject == "Follow-up: invoice copy"
        assert first.requester.email == "dana@example.org"
        assert first.assignee == agent
        assert first.source == Ticket.Source.AGENT
        assert first.summary.startswith("Customer: I was charged twice for order 1234.")
        assert first.summary_by == "tickets.intake.summaries.local_summary"


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_20_concurrent_identical_posts_make_one_ticket_and_one_conversation(
    workspace, bot
):
    rules.escalation_rule_create(
        workspace=workspace, actor=None, values={"name": "all"}
    )
    threads = 20
    barrier = threading.Barrier(threads)
    results, errors, lock = [], [], threading.Lock()

    def worker(body, key):
        barrier.wait()
        try:
            result = post(workspace, bot, body, key=key)
            with lock:
                results.append(result)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion
            with lock:
                errors.append(repr(exc))
        finally:
            connection.close()

    # With an Idempotency-Key, then with none (the payload itself is the key).
    for key in ("same-key", ""):
        body = payload()
        results.clear()
        pool = [
            threading.Thread(target=worker, args=(body, key)) for _ in range(threads)
        ]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        assert errors == []
        assert len(results) == threads
        assert sum(not r.replayed for r in results) == 1
        external_id = body["conversation"]["external_id"]
        assert Conversation.objects.filter(external_id=external_id).count() == 1
        tickets = Ticket.objects.filter(primary_conversation__external_id=external_id)
        assert tickets.count() == 1
        assert {r.ticket.pk for r in results} == {tickets.get().pk}
    assert Ticket.objects.count() == 2
    assert Contact.objects.count() == 1


def test_sqlite_20_concurrent_identical_posts_make_one_ticket(tmp_path: Path):
    """The embedded default serialises the claims (IMMEDIATE transactions)."""
    probe = Path(__file__).with_name("sqlite_intake_probe.py")
    report = sqlite_probe.run(probe, tmp_path, threads=20)
    assert report == {
        "tickets": 1,
        "conversations": 1,
        "first_runs": 1,
        "replays": 19,
        "errors": [],
    }

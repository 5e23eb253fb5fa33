"""HTTP: escalations, customer messages, tickets from conversations, rules."""

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from rest_framework.test import APIClient

from helpdesk.models import Contact
from tests.factories import LabelFactory, TeamFactory
from tests.intake.conftest import message, payload
from tests.querycount import statements
from tests.sla.conftest import make_policy
from tickets import services
from tickets.intake import rules, service
from tickets.models import (
    Conversation,
    EscalationIntake,
    EscalationRule,
    Message,
    Ticket,
)

BASE = "/api/v1/workspaces/acme"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def escalate(client, body, **headers):
    return client.post(
        f"{BASE}/escalations/",
        json.dumps(body),
        content_type="application/json",
        **headers,
    )


@pytest.mark.django_db
class TestEscalationEndpoint:
    def test_created_ticket_is_named_with_its_url(self, bot_api, all_rule):
        response = escalate(bot_api, payload())
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["outcome"] == "created"
        assert body["ticket"]["ref"] == "TKT-1"
        assert body["ticket"]["url"] == (
            "http://testserver/api/v1/workspaces/acme/tickets/TKT-1/"
        )
        assert body["ticket"]["priority"] == 4
        assert body["rule"] == {"id": all_rule.pk, "name": "Everything"}
        assert body["message"] == "Escalated by rule 'Everything'."
        assert body["replayed"] is False
        ticket = Ticket.objects.get()
        assert ticket.source == "ai_escalation"
        assert ticket.created_by.username == "ai-bot"

    def test_not_escalated_answers_200_and_names_the_rule(self, bot_api, workspace):
        rules.escalation_rule_create(
            workspace=workspace,
            actor=None,
            values={"name": "Confident", "confidence_above": 20, "escalate": False},
        )
        response = escalate(bot_api, payload())
        assert response.status_code == 200
        body = response.json()
        assert (body["outcome"], body["ticket"], body["rule"]["name"]) == (
            "not_escalated",
            None,
            "Confident",
        )
        assert body["conversation"]["external_id"].startswith("chat-")

    def test_attached_answers_200_with_the_existing_ticket(self, bot_api, workspace):
        label = LabelFactory(workspace=workspace, name="Billing")
        rules.escalation_rule_create(
            workspace=workspace,
            actor=None,
            values={"name": "Group", "label": label, "group_within_days": 3},
        )
        first = escalate(bot_api, payload()).json()
        second = escalate(bot_api, payload())
        assert second.status_code == 200
        assert second.json()["outcome"] == "attached"
        assert second.json()["ticket"]["ref"] == first["ticket"]["ref"]

    def test_idempotency_key_replays_and_refuses_a_different_body(
        self, bot_api, all_rule
    ):
        body = payload()
        first = escalate(bot_api, body, HTTP_IDEMPOTENCY_KEY="abc")
        again = escalate(bot_api, body, HTTP_IDEMPOTENCY_KEY="abc")
        assert again.status_code == 201
        assert again["Idempotent-Replayed"] == "true"
        assert again.json()["ticket"] == first.json()["ticket"]
        other = escalate(bot_api, payload(), HTTP_IDEMPOTENCY_KEY="abc")
        assert other.status_code == 422
        assert other.json()["code"] == "idempotency_key_reused"
        assert Ticket.objects.count() == 1

    def test_a_reused_key_is_the_same_answer_as_on_tickets(self, bot_api, all_rule):
        """One IdempotencyKeyReused: the intake and the generic Idempotency-Key of
        creating POSTs answer a reused key alike."""
        escalate(bot_api, payload(), HTTP_IDEMPOTENCY_KEY="k")
        intake = escalate(bot_api, payload(), HTTP_IDEMPOTENCY_KEY="k")
        url = f"{BASE}/tickets/"
        bot_api.post(url, {"subject": "A"}, format="json", HTTP_IDEMPOTENCY_KEY="t")
        tickets = bot_api.post(
            url, {"subject": "B"}, format="json", HTTP_IDEMPOTENCY_KEY="t"
        )
        for answer in (intake, tickets):
            assert answer.status_code == 422
            body = answer.json()
            assert set(body) == {"code", "message", "errors"}
            assert (body["code"], body["errors"]) == ("idempotency_key_reused", {})
            assert "already used for a different" in body["message"]

    def test_another_workspace_answers_404(self, bot_api, other_workspace, all_rule):
        response = bot_api.post(
            "/api/v1/workspaces/globex/escalations/", payload(), format="json"
        )
        assert response.status_code == 404
        assert Conversation.objects.count() == 0

    def test_anonymous_callers_are_refused(self, all_rule):
        response = APIClient().post(f"{BASE}/escalations/", payload(), format="json")
        assert response.status_code in (401, 403)
        assert Conversation.objects.count() == 0


BAD = {
    "no conversation": ({"question": "q", "escalate": True}, "conversation"),
    "confidence 150": (payload(confidence=150), "confidence"),
    "unknown author kind": (
        payload(conversation__messages=[message("robot", "beep")]),
        "conversation.messages.0.author_kind",
    ),
    "2 MB transcript": (
        payload(
            conversation__messages=[
                message("contact", "x" * 100_000, n) for n in range(20)
            ]
        ),
        "conversation.messages",
    ),
    "malformed e-mail": (
        payload(conversation__contact={"email": "dana(at)example.org"}),
        "conversation.contact.email",
    ),
    "a list, not an object": ([1, 2], "non_field_errors"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_escalation_is_400_with_field_errors_and_writes_nothing(
    bot_api, all_rule, case
):
    body, field = BAD[case]
    response = escalate(bot_api, body)
    assert response.status_code == 400
    answer = response.json()
    assert answer["code"] == "invalid"
    assert field in answer["errors"], answer
    assert Ticket.objects.count() == 0
    assert Conversation.objects.count() == 0
    assert Contact.objects.count() == 0
    assert EscalationIntake.objects.count() == 0


@pytest.mark.django_db
class TestConversationEndpoints:
    @pytest.fixture
    def ticket(self, workspace, bot):
        return service.escalation_intake(
            workspace=workspace, actor=bot, payload=payload(escalate=True)
        ).ticket

    def test_customer_message_reopens_the_waiting_ticket(self, bot_api, ticket):
        services.ticket_change_status(
            ticket=ticket, to="waiting_on_contact", actor=None
        )
        url = f"{BASE}/conversations/{ticket.primary_conversation_id}/messages/"
        response = bot_api.post(
            url, {"messages": [message("contact", "Here it is", 30)]}, format="json"
        )
        assert response.status_code == 201
        assert response.json()["tickets"] == ["TKT-1"]
        assert response.json()["added"][0]["body"] == "Here it is"
        ticket.refresh_from_db()
        assert ticket.status == "open"

    def test_bad_messages_are_400_and_nothing_is_added(self, bot_api, ticket):
        url = f"{BASE}/conversations/{ticket.primary_conversation_id}/messages/"
        before = Message.objects.count()
        response = bot_api.post(
            url, {"messages": [{"author_kind": "contact", "body": ""}]}, format="json"
        )
        assert response.status_code == 400
        # No sent_at is not an error: the message takes the time of receipt.
        assert set(response.json()["errors"]) == {"messages.0.body"}
        assert Message.objects.count() == before

    def test_another_workspaces_conversation_is_404(
        self, bot_api, other_workspace, bot
    ):
        foreign = service.escalation_intake(
            workspace=other_workspace, actor=None, payload=payload()
        ).conversation
        response = bot_api.post(
            f"{BASE}/conversations/{foreign.pk}/messages/",
            {"messages": [message("contact", "hi there, problem", 3)]},
            format="json",
        )
        assert response.status_code == 404
        response = bot_api.post(
            f"{BASE}/conversations/{foreign.pk}/tickets/", {}, format="json"
        )
        assert response.status_code == 404

    def test_one_conversation_spawns_several_tickets(self, workspace, agent, ticket):
        api = client_for(agent)
        url = f"{BASE}/conversations/{ticket.primary_conversation_id}/tickets/"
        team = TeamFactory(workspace=workspace)
        first = api.post(url, {"subject": "Refund", "team": team.pk}, format="json")
        second = api.post(url, {}, format="json")
        assert (first.status_code, second.status_code) == (201, 201)
        assert first.json()["subject"] == "Refund"
        assert (
            Ticket.objects.filter(
                primary_conversation=ticket.primary_conversation
            ).count()
            == 3
        )
        made = Ticket.objects.get(number=first.json()["number"])
        assert (made.team, made.assignee, made.source) == (team, agent, "agent")

    def test_ticket_from_conversation_refuses_foreign_team(
        self, agent, other_workspace, ticket
    ):
        foreign = TeamFactory(workspace=other_workspace)
        response = client_for(agent).post(
            f"{BASE}/conversations/{ticket.primary_conversation_id}/tickets/",
            {"team": foreign.pk},
            format="json",
        )
        assert response.status_code == 400
        assert "team" in response.json()["errors"]
        assert Ticket.objects.count() == 1


@pytest.mark.django_db
class TestRulesEndpoint:
    def test_manager_creates_lists_changes_and_deletes_rules(self, manager, workspace):
        api = client_for(manager)
        team = TeamFactory(workspace=workspace, name="Billing")
        created = api.post(
            f"{BASE}/escalation-rules/",
            {"name": "Refunds", "keywords": ["refund"], "team": team.pk, "priority": 4},
            format="json",
        )
        assert created.status_code == 201, created.json()
        rule = created.json()
        assert (rule["team"], rule["team_name"], rule["position"]) == (
            team.pk,
            "Billing",
            0,
        )
        listed = api.get(f"{BASE}/escalation-rules/")
        assert [r["name"] for r in listed.json()] == ["Refunds"]
        changed = api.patch(
            f"{BASE}/escalation-rules/{rule['id']}/",
            {"is_active": False, "id": 999},
            format="json",
        )
        assert changed.status_code == 200
        assert changed.json()["is_active"] is False
        deleted = api.delete(f"{BASE}/escalation-rules/{rule['id']}/")
        assert deleted.status_code == 204
        assert EscalationRule.objects.count() == 0

    def test_agents_read_rules_but_may_not_change_them(self, agent, workspace):
        existing = rules.escalation_rule_create(
            workspace=workspace, actor=None, values={"name": "r"}
        )
        api = client_for(agent)
        assert api.get(f"{BASE}/escalation-rules/").status_code == 200
        refused = api.post(f"{BASE}/escalation-rules/", {"name": "x"}, format="json")
        assert refused.status_code == 403
        assert refused.json()["code"] == "permission_denied"
        assert api.delete(f"{BASE}/escalation-rules/{existing.pk}/").status_code == 403
        assert EscalationRule.objects.count() == 1

    def test_another_workspaces_team_is_a_400_field_error(
        self, manager, other_workspace
    ):
        foreign = TeamFactory(workspace=other_workspace)
        response = client_for(manager).post(
            f"{BASE}/escalation-rules/",
            {"name": "x", "team": foreign.pk, "confidence_below": 150},
            format="json",
        )
        assert response.status_code == 400
        assert set(response.json()["errors"]) == {"team", "confidence_below"}
        assert EscalationRule.objects.count() == 0

    def test_another_workspaces_rule_is_404(self, manager, other_workspace):
        foreign = rules.escalation_rule_create(
            workspace=other_workspace, actor=None, values={"name": "theirs"}
        )
        api = client_for(manager)
        assert api.get(f"{BASE}/escalation-rules/{foreign.pk}/").status_code == 404
        assert (
            api.patch(
                f"{BASE}/escalation-rules/{foreign.pk}/", {"name": "x"}, format="json"
            ).status_code
            == 404
        )


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locking is proven on PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_20_concurrent_identical_http_posts_make_one_ticket(workspace, bot, all_rule):
    body = json.dumps(payload())
    threads = 20
    barrier = threading.Barrier(threads)
    statuses, lock = [], threading.Lock()

    def worker():
        client = client_for(bot)
        barrier.wait()
        try:
            response = client.post(
                f"{BASE}/escalations/",
                body,
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY="retry-storm",
            )
            with lock:
                statuses.append(
                    (response.status_code, response.json()["ticket"]["ref"])
                )
        finally:
            connection.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert statuses == [(201, "TKT-1")] * threads
    assert Ticket.objects.count() == 1
    assert Conversation.objects.count() == 1


@pytest.mark.django_db
def test_overlong_idempotency_key_is_a_400(bot_api, all_rule):
    response = escalate(bot_api, payload(), HTTP_IDEMPOTENCY_KEY="k" * 300)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
    assert Conversation.objects.count() == 0


@pytest.mark.django_db
def test_ticket_detail_shows_the_rule_and_the_summariser(bot_api, all_rule):
    ref = escalate(bot_api, payload()).json()["ticket"]["ref"]
    detail = bot_api.get(f"{BASE}/tickets/{ref}/").json()
    assert detail["escalation"]["rule"] == {"id": all_rule.pk, "name": "Everything"}
    assert detail["escalation"]["confidence"] == 35
    assert detail["summary_by"] == "tickets.intake.summaries.local_summary"
    assert detail["summary"].startswith("Customer: I was charged twice")


# One escalation of a new requester's new chat, decided by a rule, under an SLA
# policy that starts two clocks (the bench's case), through the API with a token:
ESCALATION_STATEMENTS = [
    "SELECT authtoken_token",  # the token and its user (DRF)
    "SELECT helpdesk_membership",  # the caller's membership and workspace
    "INSERT helpdesk_contact",  # ON CONFLICT DO NOTHING: the contact is new
    "INSERT tickets_conversation",  # the same for the conversation
    "INSERT tickets_message",  # its two messages, one statement
    "UPDATE helpdesk_workspace",  # the ticket number, RETURNING it
    "INSERT tickets_ticket",  # with its next breach, planned by the SLA
    "INSERT tickets_historicalticket",  # its history row
    "INSERT sla_slatarget",  # both clocks
    "INSERT tickets_ticketevent",  # created, SLA applied, escalated
    "SELECT integrations_connection",  # the sync outbox: who to push to
    "INSERT tickets_escalationintake",  # the idempotency claim, with the outcome
]
# The rules and SLA policies come from the per-process config cache (warmed by
# the first post); a known contact costs a SELECT more.


@pytest.mark.django_db
def test_an_escalation_costs_twelve_statements(bot_api, all_rule, workspace):
    from django.test.utils import CaptureQueriesContext

    make_policy(workspace, targets={4: (60, 0, 480)})

    def post(email):
        body = payload(conversation__contact={"name": "A", "email": email})
        with CaptureQueriesContext(connection) as captured:
            assert escalate(bot_api, body).status_code == 201
        return statements(captured)

    post("warm@example.org")  # the config cache
    assert post("new@example.org") == ESCALATION_STATEMENTS
    known = post("new@example.org")
    assert known == [
        *ESCALATION_STATEMENTS[:3],
        "SELECT helpdesk_contact",
        *ESCALATION_STATEMENTS[3:],
    ]
    ticket = Ticket.objects.get(requester__email="new@example.org", number=2)
    assert ticket.sla_targets.count() == 2
    assert ticket.next_breach_at == ticket.created_at + timedelta(minutes=60)
    assert list(ticket.events.values_list("kind", flat=True)) == [
        "created",
        "sla_applied",
        "escalated",
    ]

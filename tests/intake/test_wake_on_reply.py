"""A customer message wakes a snoozed ticket through one path,
tickets.conversations.customer_replied (not the SLA handler), whether the message
comes through `POST .../conversations/{id}/messages/` or a new escalation of the
same chat."""

import json
from datetime import UTC, datetime

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.intake.conftest import message, payload
from tickets.models import Ticket, TicketEvent

BASE = "/api/v1/workspaces/acme"
UNTIL = datetime(2999, 1, 1, tzinfo=UTC)
UTC_ISO = UNTIL.isoformat()
WAKE_KINDS = (TicketEvent.Kind.UNSNOOZED, TicketEvent.Kind.WOKE)


@pytest.fixture
def bot_api(bot):
    client = APIClient()
    token = Token.objects.create(user=bot)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def escalate(client, body):
    response = client.post(
        f"{BASE}/escalations/", json.dumps(body), content_type="application/json"
    )
    assert response.status_code in (200, 201), response.json()
    return response.json()


@pytest.fixture
def chat(bot_api):
    """An escalated chat: its payload and the ticket it opened."""
    body = payload(escalate=True)
    answer = escalate(bot_api, body)
    return body, Ticket.objects.get(number=answer["ticket"]["number"])


def snooze(client, ticket):
    response = client.post(
        f"{BASE}/tickets/{ticket.number}/snooze/",
        {"until": UTC_ISO},
        format="json",
    )
    assert response.status_code == 200, response.json()
    ticket.refresh_from_db()
    assert ticket.snoozed_until == UNTIL


def wake_events(ticket):
    return list(ticket.events.filter(kind__in=WAKE_KINDS).order_by("id"))


def assert_woken_once_by_the_customer(ticket):
    ticket.refresh_from_db()
    assert ticket.snoozed_until is None
    woke = wake_events(ticket)
    assert len(woke) == 1, [e.kind for e in woke]
    assert woke[0].kind == TicketEvent.Kind.UNSNOOZED
    assert woke[0].actor_label == "Customer"
    assert woke[0].data == {"was_until": UTC_ISO}
    replied = ticket.events.get(kind=TicketEvent.Kind.CUSTOMER_REPLIED)
    assert replied.pk < woke[0].pk  # woken by the reply's own branch, after it


@pytest.mark.django_db
def test_message_through_the_api_wakes_a_snoozed_ticket_once(bot_api, chat):
    _, ticket = chat
    snooze(bot_api, ticket)
    response = bot_api.post(
        f"{BASE}/conversations/{ticket.primary_conversation_id}/messages/",
        {"messages": [message("contact", "Any news?", 30)]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["tickets"] == [ticket.ref]
    assert_woken_once_by_the_customer(ticket)


@pytest.mark.django_db
def test_message_reopens_and_wakes_a_waiting_snoozed_ticket(bot_api, chat):
    _, ticket = chat
    response = bot_api.post(
        f"{BASE}/tickets/{ticket.number}/transition/",
        {"status": "waiting_on_contact"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    snooze(bot_api, ticket)
    bot_api.post(
        f"{BASE}/conversations/{ticket.primary_conversation_id}/messages/",
        {"messages": [message("contact", "Here is the receipt.", 30)]},
        format="json",
    )
    assert_woken_once_by_the_customer(ticket)
    assert ticket.status == "open"


@pytest.mark.django_db
def test_new_escalation_of_the_same_chat_wakes_the_snoozed_ticket(bot_api, chat):
    body, ticket = chat
    snooze(bot_api, ticket)
    again = dict(body)
    again["conversation"] = {
        **body["conversation"],
        "messages": [
            *body["conversation"]["messages"],
            message("contact", "Still charged twice.", 40),
        ],
    }
    escalate(bot_api, again)
    assert_woken_once_by_the_customer(ticket)


@pytest.mark.django_db
def test_an_ai_message_does_not_wake_the_ticket(bot_api, chat):
    _, ticket = chat
    snooze(bot_api, ticket)
    bot_api.post(
        f"{BASE}/conversations/{ticket.primary_conversation_id}/messages/",
        {"messages": [message("ai", "A human will get back to you.", 30)]},
        format="json",
    )
    ticket.refresh_from_db()
    assert ticket.snoozed_until == UNTIL
    assert wake_events(ticket) == []

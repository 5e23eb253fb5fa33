"""AI tool calls inside an escalation's transcript: validated, stored on the
message, shown as "Tool call" events on the ticket's timeline."""

import json

import pytest

from tests.intake.conftest import message, payload
from tests.intake.test_api import BASE, escalate
from tickets.models import Conversation, Message, Ticket, TicketEvent

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def tool(name="lookup_order", minute=2, **call):
    return {
        "author_kind": "tool",
        "sent_at": message("ai", "", minute)["sent_at"],
        "tool_call": {"name": name, **call},
    }


def with_tools(*calls):
    base = payload(escalate=True)
    base["conversation"]["messages"] += list(calls)
    return base


@pytest.mark.django_db
def test_tool_calls_are_stored_and_put_on_the_ticket_timeline(bot_api):
    body = with_tools(
        tool(arguments={"order": "1234"}, result={"charges": 2}, status="ok"),
        tool("refund", minute=3, arguments={"amount": 20}, status="error"),
    )
    response = escalate(bot_api, body)
    assert response.status_code == 201, response.json()
    calls = Message.objects.filter(author_kind="tool").order_by("sent_at")
    assert [m.tool_call for m in calls] == [
        {
            "name": "lookup_order",
            "arguments": {"order": "1234"},
            "result": {"charges": 2},
            "status": "ok",
        },
        {
            "name": "refund",
            "arguments": {"amount": 20},
            "result": None,
            "status": "error",
        },
    ]
    assert [m.body for m in calls] == ["lookup_order", "refund"]
    events = TicketEvent.objects.filter(kind="tool_call").order_by("id")
    assert [(e.data["name"], e.data["status"]) for e in events] == [
        ("lookup_order", "ok"),
        ("refund", "error"),
    ]
    assert {e.ticket.number for e in events} == {1}


@pytest.mark.django_db
def test_a_reposted_transcript_does_not_repeat_its_tool_calls(bot_api):
    body = with_tools(tool(arguments={"order": "1234"}))
    assert escalate(bot_api, body).status_code == 201
    body["conversation"]["messages"].append(tool("refund", minute=5))
    escalate(bot_api, body)
    assert Message.objects.filter(author_kind="tool").count() == 2
    names = TicketEvent.objects.filter(kind="tool_call").values_list(
        "ticket_number", "data__name"
    )
    # The second post opened ticket 2 on the same conversation: only the new call
    # reaches both tickets.
    assert sorted(names) == [(1, "lookup_order"), (1, "refund"), (2, "refund")]


@pytest.mark.django_db
def test_tool_calls_posted_later_reach_the_tickets_the_conversation_feeds(bot_api):
    assert escalate(bot_api, payload(escalate=True)).status_code == 201
    conversation = Conversation.objects.get()
    response = bot_api.post(
        f"{BASE}/conversations/{conversation.pk}/messages/",
        {"messages": [tool("cancel_order", minute=9, arguments={"id": 7})]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["added"][0]["tool_call"]["name"] == "cancel_order"
    event = TicketEvent.objects.get(kind="tool_call")
    assert event.ticket == Ticket.objects.get()
    assert event.data["name"] == "cancel_order"


@pytest.mark.django_db
def test_html_in_arguments_is_stored_as_sent(bot_api):
    body = with_tools(tool(arguments={"note": SCRIPT}, result=SCRIPT))
    assert escalate(bot_api, body).status_code == 201
    stored = Message.objects.get(author_kind="tool").tool_call
    assert stored["arguments"] == {"note": SCRIPT}
    assert stored["result"] == SCRIPT


def deep(levels):
    value = {}
    for _ in range(levels):
        value = {"a": value}
    return value


BAD = {
    "no tool_call": ({"author_kind": "tool"}, "tool_call"),
    "tool_call on a contact message": (
        {"author_kind": "contact", "body": "hi", "tool_call": {"name": "x"}},
        "tool_call",
    ),
    "no name": (tool(name=""), "tool_call.name"),
    "name with markup": (tool(name="<b>x</b>"), "tool_call.name"),
    "name not a string": (
        {"author_kind": "tool", "tool_call": {"name": 5}},
        "tool_call.name",
    ),
    "arguments a list": (tool(arguments=[1, 2]), "tool_call.arguments"),
    "arguments too big": (tool(arguments={"x": "a" * 16_001}), "tool_call.arguments"),
    "result too big": (tool(result="a" * 64_001), "tool_call.result"),
    "nested too deep": (tool(arguments=deep(21)), "tool_call.arguments"),
    "unknown status": (tool(status="maybe"), "tool_call.status"),
    "tool_call not an object": ({"author_kind": "tool", "tool_call": "x"}, "tool_call"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_tool_calls_are_400_naming_the_field_and_write_nothing(
    bot_api, all_rule, case
):
    bad, field = BAD[case]
    response = escalate(bot_api, with_tools(bad))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert f"conversation.messages.2.{field}" in errors, errors
    assert Message.objects.count() == 0
    assert Ticket.objects.count() == 0
    assert TicketEvent.objects.count() == 0


@pytest.mark.django_db
def test_the_schema_documents_tool_calls(client):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    text = json.dumps(schema.json())
    assert "ToolCall" in text
    assert "Only with author_kind `tool`" in text

"""The OpenAI-compatible insights provider against a local fake of the
chat-completions API (tests/fakes/chat_completions.py), real HTTP on loopback.

Planted bugs: without the status check a 500 body was parsed (KeyError, still a
fallback, but the reason named the wrong cause, so the 500 case asserts the
reason); with `plain()` returning its input the <script> case failed."""

import json

import pytest

from knowledge import services as kb
from tests.fakes.chat_completions import FakeChatCompletions
from tickets import services

pytestmark = pytest.mark.django_db

REMOTE = "knowledge.insights.openai_compat.openai_insights"
LOCAL = "knowledge.insights.local.local_insights"


@pytest.fixture
def fake(settings):
    server = FakeChatCompletions(key="sk-test").start()
    settings.HELPDESK_INSIGHTS_PROVIDER = REMOTE
    settings.INSIGHTS_OPENAI_BASE_URL = server.base_url
    settings.INSIGHTS_OPENAI_MODEL = "test-model"
    settings.INSIGHTS_OPENAI_API_KEY = "sk-test"
    settings.INSIGHTS_OPENAI_TIMEOUT = 0.5
    yield server
    server.stop()


@pytest.fixture
def ticket(workspace, manager):
    kb.article_save(
        workspace=workspace,
        actor=manager,
        values={
            "title": "Charged twice for the same invoice",
            "body": "1. Compare the two charges.\n2. Refund the duplicate charge.",
            "status": "published",
        },
    )
    other = services.ticket_create(
        workspace=workspace,
        actor=manager,
        subject="Secret other customer double charge",
        content="Another customer's card was charged twice",
    )
    services.comment_add(
        ticket=other, actor=manager, body="We refunded it.", is_public=True
    )
    return services.ticket_create(
        workspace=workspace,
        actor=manager,
        subject="Double charge on my card",
        content="My card was charged twice this month.",
    )


def test_the_answer_is_used_and_only_this_tickets_data_is_sent(fake, ticket):
    fake.reply(
        json.dumps({"wants": "A refund of the duplicate.", "steps": ["Refund it."]})
    )
    insight = kb.insight_refresh(ticket_id=ticket.pk)
    assert insight.provider == REMOTE and insight.fallback_reason == ""
    assert insight.data["analysis"]["wants"] == "A refund of the duplicate."
    first = insight.data["resolution"][0]
    assert first == {
        "id": "m0",
        "text": "Refund it.",
        "source": {"kind": "model", "label": "test-model"},
    }
    # Articles and similar tickets still come from the local search.
    assert insight.data["articles"][0]["title"] == "Charged twice for the same invoice"
    sent = json.dumps(fake.requests[0])
    assert "Double charge on my card" in sent
    assert "charged twice this month" in sent
    assert "Secret other customer" not in sent
    assert "Charged twice for the same invoice" not in sent
    assert fake.requests[0]["model"] == "test-model"


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        (lambda f: f.fail(500), "HTTP 500"),
        (lambda f: f.stall(2.0), "Timeout"),
        (lambda f: f.raw(b"<html>Bad gateway</html>"), "not a chat completion"),
        (lambda f: f.raw(b'{"choices": []}'), "not a chat completion"),
        (lambda f: f.reply("Sure! Here are some steps: ..."), "not a chat completion"),
        (lambda f: f.reply('["a list"]'), "not the JSON object"),
    ],
    ids=["500", "timeout", "html-body", "no-choices", "prose-content", "not-object"],
)
def test_a_failing_provider_falls_back_to_the_local_one(fake, ticket, script, reason):
    script(fake)
    insight = kb.insight_refresh(ticket_id=ticket.pk)
    assert insight.provider == LOCAL
    assert reason in insight.fallback_reason
    assert insight.data["articles"][0]["title"] == "Charged twice for the same invoice"
    assert insight.data["analysis"]["wants"]


def test_markup_in_the_answer_is_stripped_and_the_tab_renders(
    fake, ticket, client, manager
):
    fake.reply(
        json.dumps(
            {
                "wants": "<script>alert(1)</script>Refund <b>now</b>",
                "steps": [
                    '<img src=x onerror="alert(1)">Call the bank',
                    "&lt;script&gt;alert(2)&lt;/script&gt;",
                    "<a href='javascript:alert(3)'>Check</a> the invoice",
                ],
            }
        )
    )
    insight = kb.insight_refresh(ticket_id=ticket.pk)
    assert insight.provider == REMOTE
    assert insight.data["analysis"]["wants"] == "Refund now"
    model_steps = [s["text"] for s in insight.data["resolution"] if s["id"][0] == "m"]
    assert model_steps == ["Call the bank", "Check the invoice"]
    client.force_login(manager)
    response = client.get(f"/w/acme/tickets/{ticket.number}/insights/")
    assert response.status_code == 200
    html = response.content.decode()
    for bad in ("<script", "onerror", "javascript:", "alert("):
        assert bad not in html
    assert "Refund now" in html and "Call the bank" in html

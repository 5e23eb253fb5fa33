import itertools
from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import MembershipFactory
from tickets.intake import rules

_ids = itertools.count(1)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Factories set passwords; a fast hasher keeps member-heavy setups quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def bot(workspace):
    """The AI agent's integration user."""
    return MembershipFactory(
        workspace=workspace, role="agent", user__username="ai-bot"
    ).user


@pytest.fixture
def bot_api(bot):
    """The AI agent, signed in with its API token."""
    client = APIClient()
    token = Token.objects.create(user=bot)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def all_rule(workspace):
    return rules.escalation_rule_create(
        workspace=workspace, actor=None, values={"name": "Everything", "priority": 4}
    )


def message(kind, body, minute=0):
    return {
        "author_kind": kind,
        "body": body,
        "sent_at": (T0 + timedelta(minutes=minute)).isoformat(),
    }


def payload(**overrides):
    """A valid escalation payload; keyword overrides replace top-level keys and
    `conversation__x` keys replace conversation fields."""
    conversation = {
        "external_id": f"chat-{next(_ids)}",
        "channel": "web",
        "contact": {"name": "Dana Scully", "email": "dana@example.org"},
        "messages": [
            message("contact", "Hi, I was charged twice for order 1234.", 0),
            message("ai", "I'm sorry to hear that. Let me check.", 1),
        ],
    }
    body = {
        "question": "Why was I charged twice for order 1234?",
        "answer": "I could not find the duplicate charge.",
        "ai_raw_response": '{"answer": "I could not find the duplicate charge."}',
        "confidence": 35,
        "topic": "billing",
        "intent": "refund",
        "reason": "Low confidence on a payment question",
    }
    for key, value in overrides.items():
        if key.startswith("conversation__"):
            conversation[key.removeprefix("conversation__")] = value
        else:
            body[key] = value
    body.setdefault("conversation", conversation)
    return body

"""Files on the messages of an escalation: base64 in JSON, checked like an upload,
a refusal names the field and nothing of the escalation is written."""

import base64
import json

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.composer.conftest import EXE, PNG
from tests.intake.conftest import bot, message, payload  # noqa: F401
from tickets.models import Attachment, Conversation, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def bot_api(bot):  # noqa: F811
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=bot).key}")
    return client


def escalate(client, body):
    return client.post(
        "/api/v1/workspaces/acme/escalations/",
        json.dumps(body),
        content_type="application/json",
    )


def with_file(name, data, encoded=None):
    first = message("contact", "Here is the screenshot.", 0)
    first["attachments"] = [
        {"name": name, "data": encoded or base64.b64encode(data).decode()}
    ]
    return payload(
        escalate=True,
        conversation__messages=[first, message("ai", "Thanks.", 1)],
    )


def test_a_message_file_is_stored_with_the_message(bot_api, stored_files):
    response = escalate(bot_api, with_file("screen.png", PNG))
    assert response.status_code == 201, response.json()
    attachment = Attachment.objects.get()
    assert attachment.message.body == "Here is the screenshot."
    assert attachment.content_type == "image/png"
    assert attachment.file.read() == PNG
    assert len(stored_files()) == 1


@pytest.mark.parametrize(
    "name,data,encoded,error",
    [
        ("a.png", b"", "not base64!", "Not valid base64."),
        (
            "setup.png",
            EXE,
            None,
            "setup.png is a file of type application/x-msdownload, "
            "which may not be attached.",
        ),
        ("big.txt", b"", "QUFB" * 600_000, "At most 1536 KB of file (base64 in JSON)."),
    ],
)
def test_a_bad_file_is_a_field_error_and_nothing_is_written(
    bot_api, stored_files, name, data, encoded, error
):
    response = escalate(bot_api, with_file(name, data, encoded))
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "conversation.messages.0.attachments.0.data": [error]
    }
    assert Ticket.objects.count() == 0
    assert Conversation.objects.count() == 0
    assert stored_files() == []

"""The intake never loses an escalation to its content: NULs and lone surrogates
(which PostgreSQL cannot store) are removed from every text and counted on the
stored record, never a reason to refuse; an impossible date is a 400 naming it.

Planted bug, watched failing, reverted: without the stripping in
tickets.intake.fields (DRF's own NUL check), the transcript below was refused
with 400 on every retry, so the escalation was lost.
"""

import pytest

from tests.intake.conftest import message, payload
from tests.intake.test_api import escalate
from tickets.models import EscalationIntake, Message, Ticket

pytestmark = pytest.mark.django_db


def test_nuls_and_lone_surrogates_are_stripped_counted_and_escalated(bot_api, all_rule):
    body = payload(
        subject="Charged\x00 twice",
        question="Why\ud800 twice?",
        conversation__messages=[
            message("contact", "Card\x00 charged\x00 twice \udfff", 0),
            message("ai", "Checking\x00.", 1),
        ],
    )

    first = escalate(bot_api, body)
    retry = escalate(bot_api, body)

    assert first.status_code == 201, first.content
    assert retry.status_code == 201
    ticket = Ticket.objects.get()
    assert ticket.subject == "Charged twice"
    assert ticket.question == "Why twice?"
    bodies = list(Message.objects.order_by("sent_at").values_list("body", flat=True))
    assert bodies == ["Card charged twice", "Checking."]
    record = EscalationIntake.objects.get()
    assert record.stripped_characters == 6
    assert record.ticket == ticket


def test_the_30th_of_february_is_a_400_naming_the_field(bot_api):
    body = payload(
        conversation__messages=[
            {"author_kind": "contact", "body": "Hi", "sent_at": "2026-02-30T10:00:00Z"}
        ]
    )

    answer = escalate(bot_api, body)

    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == ["conversation.messages.0.sent_at"]
    assert Ticket.objects.count() == 0

"""Signed webhooks over our local limits are applied, fitted, with a warning on the
event's record, and always answered 2xx: a 4xx or 5xx would be redelivered by the
platform forever and that ticket would stop syncing.

Planted bug, watched failing, reverted: with integrations.normalise bypassed (the
event applied as the platform sent it), the 500-character subject was not applied
and no warning was kept (the ticket service refuses it; before this change that
refusal escaped as a 500 on every redelivery).
"""

import json
from datetime import datetime, timedelta

import pytest

from integrations.models import ExternalLink, WebhookEvent
from tests.factories import make_ticket
from tests.figures import report
from tests.integrations.conftest import connect, drain_until_idle
from tests.integrations.signing import zendesk_event, zendesk_headers
from tickets.models import Ticket


@pytest.fixture
def linked(workspace, zendesk, agent):
    connection = connect(workspace, zendesk)
    ticket = make_ticket(workspace, agent, subject="Broken")
    drain_until_idle()
    link = ExternalLink.objects.get()
    return connection, ticket, dict(zendesk.tickets[int(link.remote_id)])


def _post(client, connection, body: bytes):
    url = (
        f"/api/v1/workspaces/{connection.workspace.slug}/integrations/webhooks/"
        f"{connection.uuid}/"
    )
    return client.post(
        url, data=body, content_type="application/json", **zendesk_headers(body)
    )


def _at(remote: dict, seconds: int) -> str:
    when = datetime.fromisoformat(remote["updated_at"]) + timedelta(seconds=seconds)
    return when.isoformat()


def test_every_local_limit_is_fitted_and_answered_2xx(client, linked):
    connection, ticket, remote = linked
    cases = {
        "subject over 200": ({"subject": "S" * 500}, "subject: 500 characters"),
        "tag over 50": ({"tags": ["t" * 80, "ok"]}, "tag: 80 characters"),
        "tags as a string": ({"tags": "vip, refund late"}, "tags: one string"),
        "subject not a string": ({"subject": {"a": 1}}, "subject: a dict"),
        "NUL in subject": ({"subject": "Bro\x00ken\ud800"}, "subject: NULs"),
    }
    answers = {}
    for number, (name, (fields, warning)) in enumerate(cases.items(), start=1):
        body = zendesk_event(
            f"evt-{number}", remote, updated_at=_at(remote, number), **fields
        )
        answer = _post(client, connection, body)
        answers[name] = answer.status_code
        record = WebhookEvent.objects.get(event_id=f"evt-{number}")
        assert any(w.startswith(warning) for w in record.warnings), (name, record)
        assert record.outcome in ("updated", "unchanged"), name
        assert answer.json()["warnings"] == record.warnings

    deep = ("[" * 1000 + "]" * 1000).encode()
    answers["nested 1,000 deep"] = _post(client, connection, deep).status_code

    assert answers == dict.fromkeys(answers, 200)
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.subject == "Broken"  # the last subject, NUL and surrogate removed
    tags = {
        name
        for fields in WebhookEvent.objects.values_list("warnings", flat=True)
        for name in fields
    }
    assert tags
    subject_case = WebhookEvent.objects.get(event_id="evt-1")
    assert "cut to 200" in subject_case.warnings[0]
    report(
        "W1",
        {"answered_2xx": len(answers), "retries_caused": 0},
        payloads=len(answers),
        answered_2xx=sum(200 <= s < 300 for s in answers.values()),
        retries_caused=sum(s >= 400 for s in answers.values()),
    )


def test_the_timestamp_is_read_only_after_the_signature(client, linked):
    connection, _, remote = linked
    body = zendesk_event("evt-x", remote)
    headers = {
        "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE": "forged",
        "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP": "2026-02-30T99:99:99Z",
    }
    url = f"/integrations/webhooks/{connection.uuid}/"
    answer = client.post(url, data=body, content_type="application/json", **headers)
    assert answer.status_code == 401
    assert json.loads(answer.content)["code"] == "not_authenticated"

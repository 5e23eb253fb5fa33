"""Inbound webhooks: only authentic, fresh, first-seen, newer events change anything."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from integrations.models import ExternalLink, SyncOp, WebhookEvent
from tests.factories import make_ticket
from tests.figures import report
from tests.integrations.conftest import connect, drain_until_idle
from tests.integrations.signing import (
    gorgias_headers,
    kustomer_headers,
    zendesk_event,
    zendesk_headers,
)
from tickets import services
from tickets.models import Ticket, TicketEvent


@pytest.fixture(scope="module")
def s9():
    """S9 figures over the module's authenticity tests, reported once at the end:
    forged deliveries answered 2xx or changing state, and effects of replays."""
    tally = {"valid": 0, "forged": 0, "false_accepts": 0, "replays": 0}
    tally["duplicate_effects"] = 0
    yield tally
    report("S9", {"false_accepts": 0, "duplicate_effects": 0}, **tally)


def _refused(tally: dict, answers: dict, changed: bool) -> None:
    """Count forged deliveries; any 2xx, or a state change, is a false accept."""
    tally["forged"] += len(answers)
    tally["false_accepts"] += sum(
        200 <= a.status_code < 300 for a in answers.values()
    ) + int(changed)


def _url(connection) -> str:
    slug = connection.workspace.slug
    return f"/api/v1/workspaces/{slug}/integrations/webhooks/{connection.uuid}/"


def _post(client, url, body: bytes, headers: dict):
    return client.post(url, data=body, content_type="application/json", **headers)


@pytest.fixture
def linked(workspace, zendesk, agent):
    """A ticket already pushed to the Zendesk fake: (connection, ticket, remote)."""
    connection = connect(workspace, zendesk)
    ticket = make_ticket(workspace, agent, subject="Broken")
    drain_until_idle()
    link = ExternalLink.objects.get()
    return connection, ticket, dict(zendesk.tickets[int(link.remote_id)])


def _later(remote: dict, seconds: int) -> str:
    when = datetime.fromisoformat(remote["updated_at"]) + timedelta(seconds=seconds)
    return when.isoformat()


def test_only_the_valid_zendesk_webhook_changes_anything(client, linked, s9):
    connection, ticket, remote = linked
    url = _url(connection)
    body = zendesk_event(
        "evt-1", remote, status="pending", updated_at=_later(remote, 5)
    )
    tampered = body.replace(b'"pending"', b'"solved"')

    answers = {
        "bad signature": _post(
            client, url, body, zendesk_headers(body, secret="wrong-secret-value")
        ),
        "tampered body": _post(client, url, tampered, zendesk_headers(body)),
        "stale timestamp": _post(client, url, body, zendesk_headers(body, age=301)),
        "no signature": _post(client, url, body, {}),
        "unknown connection": _post(
            client, f"/integrations/webhooks/{uuid.uuid4()}/", body, {}
        ),
    }
    assert {k: a.status_code for k, a in answers.items()} == {
        "bad signature": 401,
        "tampered body": 401,
        "stale timestamp": 401,
        "no signature": 401,
        "unknown connection": 404,
    }
    ticket.refresh_from_db()
    _refused(
        s9,
        answers,
        changed=ticket.status != "open" or WebhookEvent.objects.exists(),
    )
    assert ticket.status == "open"
    assert WebhookEvent.objects.count() == 0

    valid = _post(client, url, body, zendesk_headers(body))
    s9["valid"] += 1
    assert (valid.status_code, valid.json()["status"]) == (200, "updated")
    ticket.refresh_from_db()
    assert ticket.status == "waiting_on_contact"
    version = ticket.version

    replay = _post(client, url, body, zendesk_headers(body))
    ticket.refresh_from_db()
    pulled = ticket.events.filter(kind="synced", data__direction="pulled")
    s9["replays"] += 1
    s9["duplicate_effects"] += int(ticket.version != version) + pulled.count() - 1
    assert (replay.status_code, replay.json()["status"]) == (200, "duplicate")
    assert ticket.version == version
    assert pulled.count() == 1
    assert pulled.get().actor_label == "Zendesk sync"


def test_same_event_five_times_out_of_order_has_one_effect_and_newest_wins(
    client, linked
):
    """S10: the newest event five times, interleaved with two older ones."""
    connection, ticket, remote = linked
    url = _url(connection)
    older = zendesk_event("e1", remote, status="pending", updated_at=_later(remote, 1))
    middle = zendesk_event("e2", remote, status="solved", updated_at=_later(remote, 2))
    newest = zendesk_event(
        "e3",
        remote,
        status="hold",
        priority="urgent",
        subject="Broken badly",
        updated_at=_later(remote, 3),
    )
    outcomes = [
        _post(client, url, body, zendesk_headers(body)).json()["status"]
        for body in [newest, older, newest, middle, newest, older, newest, newest]
    ]
    assert outcomes == [
        "updated",
        "stale",
        "duplicate",
        "stale",
        "duplicate",
        "duplicate",
        "duplicate",
        "duplicate",
    ]
    ticket.refresh_from_db()
    newest_state = ("in_progress", 5, "Broken badly")
    effects = ticket.events.filter(kind="synced", data__direction="pulled").count()
    report(
        "S10",
        {"effects": 1, "status_changes": 1, "final_state_mismatches": 0},
        deliveries=len(outcomes),
        newest_delivered=5,
        effects=effects,
        status_changes=ticket.events.filter(kind="status_changed").count(),
        final_state_mismatches=int(
            (ticket.status, ticket.priority, ticket.subject) != newest_state
        ),
    )


def test_kustomer_webhook_needs_the_hex_hmac_of_the_raw_body(
    client, workspace, kustomer, agent, s9
):
    connection = connect(workspace, kustomer)
    ticket = make_ticket(workspace, agent)
    drain_until_idle()
    link = ExternalLink.objects.get()
    conversation = json.loads(json.dumps(kustomer.conversations[link.remote_id]))
    conversation["attributes"]["status"] = "done"
    conversation["attributes"]["priority"] = 5
    conversation["attributes"]["updatedAt"] = datetime.now(UTC).isoformat()
    body = json.dumps({"id": "k-evt-1", "data": conversation}).encode()
    url = _url(connection)

    answers = {
        "bad signature": _post(
            client, url, body, kustomer_headers(body, secret="not-the-secret")
        ),
        "tampered body": _post(
            client, url, body.replace(b"done", b"open"), kustomer_headers(body)
        ),
        "no signature": _post(client, url, body, {}),
    }
    assert {k: a.status_code for k, a in answers.items()} == dict.fromkeys(answers, 401)
    ticket.refresh_from_db()
    _refused(s9, answers, changed=ticket.status != "open")
    assert ticket.status == "open"

    assert _post(client, url, body, kustomer_headers(body)).status_code == 200
    s9["valid"] += 1
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == ("resolved", 5)
    version = ticket.version

    replay = _post(client, url, body, kustomer_headers(body))
    ticket.refresh_from_db()
    s9["replays"] += 1
    s9["duplicate_effects"] += int(ticket.version != version)
    assert (replay.status_code, replay.json()["status"]) == (200, "duplicate")
    assert ticket.version == version  # the replay changed nothing


def test_gorgias_webhook_needs_the_connections_secret_header(
    client, workspace, gorgias, agent, s9
):
    connection = connect(workspace, gorgias)
    ticket = make_ticket(workspace, agent)
    drain_until_idle()
    link = ExternalLink.objects.get()
    data = dict(gorgias.tickets[int(link.remote_id)])
    data["status"] = "closed"
    data["updated_datetime"] = datetime.now(UTC).isoformat()
    body = json.dumps({"ticket": data}).encode()
    url = _url(connection)

    answers = {
        "no secret header": _post(client, url, body, {}),
        "wrong secret": _post(client, url, body, gorgias_headers("guess")),
    }
    assert {k: a.status_code for k, a in answers.items()} == dict.fromkeys(answers, 401)
    ticket.refresh_from_db()
    _refused(s9, answers, changed=ticket.status != "open")
    assert ticket.status == "open"
    assert _post(client, url, body, gorgias_headers()).status_code == 200
    s9["valid"] += 1
    ticket.refresh_from_db()
    assert ticket.status == "resolved"


def test_a_pulled_change_is_not_pushed_back_but_goes_to_other_platforms(
    client, linked, workspace, kustomer
):
    connection, ticket, remote = linked
    other = connect(workspace, kustomer)
    before = SyncOp.objects.filter(connection=connection).count()
    body = zendesk_event("e9", remote, priority="high", updated_at=_later(remote, 5))

    answer = _post(client, _url(connection), body, zendesk_headers(body))
    assert answer.status_code == 200
    ticket.refresh_from_db()
    assert ticket.priority == 4
    assert SyncOp.objects.filter(connection=connection).count() == before
    # The Kustomer connection still hears of it (first as a create).
    assert SyncOp.objects.filter(connection=other, ticket=ticket).exists()


def test_a_ticket_made_on_the_platform_is_imported_linked_and_not_echoed(
    client, workspace, zendesk
):
    connection = connect(workspace, zendesk)
    remote = {
        "id": 9001,
        "subject": "Made in Zendesk",
        "status": "open",
        "priority": "high",
        "tags": ["from-zd"],
        "external_id": None,
        "assignee_id": None,
        "updated_at": datetime.now(UTC).isoformat(),
    }
    body = zendesk_event("new-1", remote)
    answer = _post(client, _url(connection), body, zendesk_headers(body))
    assert answer.json()["status"] == "created"
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.priority, ticket.source) == (
        "Made in Zendesk",
        4,
        "external",
    )
    assert ExternalLink.objects.get().remote_id == "9001"
    assert SyncOp.objects.count() == 0
    assert ticket.events.filter(kind=TicketEvent.Kind.SYNCED).exists()


def test_a_partial_event_changes_only_the_fields_it_carries(client, linked, agent):
    connection, ticket, remote = linked
    services.ticket_set_tags(ticket=ticket, actor=agent, add=["vip"])
    services.ticket_set_priority(ticket=ticket, priority=4, actor=agent)
    drain_until_idle()
    ExternalLink.objects.update(remote_updated_at=None)
    body = json.dumps(
        {
            "id": "partial-1",
            "detail": {
                "id": remote["id"],
                "status": "pending",
                "updated_at": _later(remote, 60),
            },
        }
    ).encode()
    answer = _post(client, _url(connection), body, zendesk_headers(body))
    assert answer.json()["status"] == "updated"
    ticket.refresh_from_db()
    assert ticket.status == "waiting_on_contact"
    assert ticket.priority == 4
    assert list(ticket.tags.values_list("name", flat=True)) == ["vip"]


def test_the_first_webhook_address_still_works_and_the_new_one_is_per_workspace(
    client, linked, other_workspace
):
    connection, ticket, remote = linked
    body = zendesk_event(
        "evt-old", remote, status="pending", updated_at=_later(remote, 5)
    )
    old = _post(
        client,
        f"/integrations/webhooks/{connection.uuid}/",
        body,
        zendesk_headers(body),
    )
    assert (old.status_code, old.json()["status"]) == (200, "updated")

    body = zendesk_event("evt-new", remote, status="hold", updated_at=_later(remote, 9))
    elsewhere = _post(
        client,
        f"/api/v1/workspaces/{other_workspace.slug}/integrations/webhooks/"
        f"{connection.uuid}/",
        body,
        zendesk_headers(body),
    )
    assert elsewhere.status_code == 404
    assert elsewhere.json() == {
        "code": "not_found",
        "message": "Unknown connection.",
        "errors": {},
    }
    new = _post(client, _url(connection), body, zendesk_headers(body))
    assert (new.status_code, new.json()["status"]) == (200, "updated")
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"

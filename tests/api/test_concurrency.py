"""Concurrency over the API with one database connection per thread: optimistic
locking with If-Match, and Idempotency-Key under simultaneous identical creates."""

import json
from collections import Counter

import pytest
from django.db import connection

from tests import figures
from tests.api.conftest import BASE, client_for
from tests.factories import MembershipFactory, WorkspaceFactory, make_ticket
from tests.threads import run_together
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)

# The suite's in-memory SQLite database cannot take concurrent writers (table locks in
# shared cache); CI runs these on PostgreSQL, as tests/tickets/test_numbering.py does.
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrency is proven on PostgreSQL"
)


@pytest.fixture
def setup():
    workspace = WorkspaceFactory(slug="acme")
    user = MembershipFactory(workspace=workspace, user__username="agent").user
    return workspace, user


# The shared PostgreSQL allows 100 connections, so the 100 pairs race in waves of
# PAIRS_AT_ONCE pairs (each wave: 2 x PAIRS_AT_ONCE threads released together).
PAIRS, PAIRS_AT_ONCE = 100, 10


@postgres_only
def test_r3_hundred_pairs_with_the_same_version_one_wins_one_gets_412(setup):
    """R3: two agents PATCH one ticket with the same If-Match: one 200, one 412, no
    lost update; a PATCH without If-Match is refused with 428."""
    workspace, user = setup
    other = MembershipFactory(workspace=workspace, user__username="agent2").user
    tickets = [make_ticket(workspace, user, subject=f"T{i}") for i in range(PAIRS)]
    etags = {
        t.pk: client_for(user).get(f"{BASE}/tickets/{t.number}/")["ETag"]
        for t in tickets
    }

    def edit(ticket, i):
        who = (user, other)[i % 2]
        response = client_for(who).patch(
            f"{BASE}/tickets/{ticket.number}/",
            {"subject": f"{ticket.subject} by {who.username}"},
            format="json",
            HTTP_IF_MATCH=etags[ticket.pk],
        )
        return ticket, response

    outcomes = []
    for wave in range(0, PAIRS, PAIRS_AT_ONCE):
        pairs = tickets[wave : wave + PAIRS_AT_ONCE]
        outcomes += run_together(2 * len(pairs), lambda i, p=pairs: edit(p[i // 2], i))

    per_ticket: dict[int, list] = {}
    for ticket, response in outcomes:
        per_ticket.setdefault(ticket.pk, []).append(response)
    lost = 0
    for ticket in Ticket.objects.filter(pk__in=per_ticket):
        responses = per_ticket[ticket.pk]
        assert sorted(r.status_code for r in responses) == [200, 412], ticket.ref
        (winner,) = (r for r in responses if r.status_code == 200)
        # The stored subject is the winner's, and only one edit was applied.
        lost += ticket.subject != winner.json()["subject"] or ticket.version != 2
    status_412 = sum(r.status_code == 412 for _, r in outcomes)
    no_header = client_for(user).patch(
        f"{BASE}/tickets/{tickets[0].number}/", {"subject": "blind"}, format="json"
    )
    figures.report(
        "R3",
        {
            "status_200": PAIRS,
            "status_412": PAIRS,
            "lost_updates": 0,
            "no_if_match": 428,
        },
        pairs=PAIRS,
        status_200=sum(r.status_code == 200 for _, r in outcomes),
        status_412=status_412,
        lost_updates=lost,
        no_if_match=no_header.status_code,
    )


@postgres_only
def test_r4_fifty_identical_creates_with_one_key_make_one_ticket(setup):
    """R4: 50 simultaneous POSTs with one Idempotency-Key and body create one
    ticket; the other 49 wait on the key and replay the first answer (no 409);
    the same key with another body is 422."""
    workspace, user = setup

    def create(i):
        return client_for(user).post(
            f"{BASE}/tickets/",
            {"subject": "Once only"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="key-1",
        )

    responses = run_together(50, create)
    statuses = Counter(r.status_code for r in responses)
    created = [r for r in responses if r.status_code == 201]
    other_body = client_for(user).post(
        f"{BASE}/tickets/",
        {"subject": "Something else"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="key-1",
    )
    tickets = Ticket.objects.filter(workspace=workspace).count()
    figures.report(
        "R4",
        {
            "tickets_created": 1,
            "status_201": 50,
            "replayed": 49,
            "status_409": 0,
            "status_422": 1,
        },
        requests=len(responses),
        tickets_created=tickets,
        status_201=statuses[201],
        replayed=sum(r.get("Idempotent-Replayed") == "true" for r in created),
        status_409=statuses[409],
        status_422=int(other_body.status_code == 422),
    )
    assert {r.json()["ref"] for r in created} == {"TKT-1"}
    assert len({json.dumps(r.json(), sort_keys=True) for r in created}) == 1


def test_same_key_same_body_replays_other_body_is_422(setup):
    workspace, user = setup
    client = client_for(user)
    first = client.post(
        f"{BASE}/tickets/", {"subject": "A"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    again = client.post(
        f"{BASE}/tickets/", {"subject": "A"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    other = client.post(
        f"{BASE}/tickets/", {"subject": "B"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("key", ["nul\x00byte", "caf\u00e9", "x" * 256])
def test_a_key_that_is_not_printable_ascii_is_a_400_naming_the_header(setup, key):
    workspace, user = setup
    response = client_for(user).post(
        f"{BASE}/tickets/", {"subject": "A"}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
    assert Ticket.objects.count() == 0


def test_a_failed_create_does_not_use_up_the_key(setup):
    """The client fixes its body and retries with the same key: a stored 400
    would answer 400 again (replayed) or 422 (another body), never create."""
    workspace, user = setup
    client = client_for(user)
    bad = client.post(
        f"{BASE}/tickets/", {"subject": ""}, format="json", HTTP_IDEMPOTENCY_KEY="k2"
    )
    assert bad.status_code == 400
    assert Ticket.objects.count() == 0
    good = client.post(
        f"{BASE}/tickets/",
        {"subject": "Fixed"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k2",
    )
    assert good.status_code == 201, good.content
    assert "Idempotent-Replayed" not in good
    assert good.json()["subject"] == "Fixed"
    assert Ticket.objects.count() == 1


def test_comment_with_the_same_key_is_added_once(setup):
    workspace, user = setup
    ticket = make_ticket(workspace, user)
    client = client_for(user)
    url = f"{BASE}/tickets/{ticket.number}/comments/"
    answers = [
        client.post(url, {"body": "Once"}, format="json", HTTP_IDEMPOTENCY_KEY="c1")
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert ticket.comments.count() == 1

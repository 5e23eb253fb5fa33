"""Concurrency over the API with one database connection per thread: optimistic
locking with If-Match, and Idempotency-Key under simultaneous identical creates."""

import threading

import pytest
from django.db import connection

from tests.api.conftest import BASE, client_for
from tests.factories import MembershipFactory, WorkspaceFactory, make_ticket
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)

# The suite's in-memory SQLite database cannot take concurrent writers (table locks in
# shared cache); CI runs these on PostgreSQL, as tests/tickets/test_numbering.py does.
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrency is proven on PostgreSQL"
)


def run_together(count: int, work) -> list:
    """Run `work(i)` in `count` threads released at once; collect the results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(i):
        try:
            barrier.wait()
            results[i] = work(i)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def setup():
    workspace = WorkspaceFactory(slug="acme")
    user = MembershipFactory(workspace=workspace, user__username="agent").user
    return workspace, user


@postgres_only
def test_two_clients_with_the_same_version_one_wins_one_gets_412(setup):
    workspace, user = setup
    ticket = make_ticket(workspace, user)
    url = f"{BASE}/tickets/{ticket.number}/"
    etag = client_for(user).get(url)["ETag"]

    def edit(i):
        return client_for(user).patch(
            url, {"subject": f"Edit {i}"}, format="json", HTTP_IF_MATCH=etag
        )

    statuses = sorted(r.status_code for r in run_together(2, edit))
    assert statuses == [200, 412]
    ticket.refresh_from_db()
    assert ticket.version == 2


@postgres_only
def test_twenty_identical_creates_with_one_key_make_one_ticket(setup):
    workspace, user = setup

    def create(i):
        return client_for(user).post(
            f"{BASE}/tickets/",
            {"subject": "Once only"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="key-1",
        )

    responses = run_together(20, create)
    assert {r.status_code for r in responses} == {201}
    assert {r.json()["ref"] for r in responses} == {"TKT-1"}
    assert Ticket.objects.filter(workspace=workspace).count() == 1


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


def test_a_failed_create_does_not_use_up_the_key(setup):
    workspace, user = setup
    client = client_for(user)
    bad = client.post(
        f"{BASE}/tickets/", {"subject": ""}, format="json", HTTP_IDEMPOTENCY_KEY="k2"
    )
    assert bad.status_code == 400
    good = client.post(
        f"{BASE}/tickets/", {"subject": ""}, format="json", HTTP_IDEMPOTENCY_KEY="k2"
    )
    assert good.status_code == 400
    assert Ticket.objects.count() == 0


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

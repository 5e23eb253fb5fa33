"""Ticket search as you type: the last word is a prefix, refs find their ticket,
requesters are found by fragments of their name or e-mail, every match comes back
newest first, on PostgreSQL (full text + trigram indexes) and SQLite (substrings)
alike; the API and the tickets page answer the same."""

import re

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from helpdesk.models import Contact
from tests.api.conftest import BASE
from tests.factories import ContactFactory, make_ticket
from tickets import selectors
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the indexes exist on PostgreSQL"
)


@pytest.fixture
def tickets(workspace, other_workspace, agent):
    """Six tickets, numbers 1-6, and a look-alike in another workspace."""
    alice = ContactFactory(
        workspace=workspace, name="Alice Smith", email="alice.smith@shop.example"
    )
    bob = ContactFactory(workspace=workspace, name="Bob Jones", email="bob@mail.test")
    make_ticket(workspace, agent, subject="Refund for my order", requester=alice)
    make_ticket(workspace, agent, subject="Invoice missing", content="refund please")
    make_ticket(workspace, agent, subject="Login broken", requester=bob)
    make_ticket(workspace, agent, subject="Refurbished phone", question="is it new")
    make_ticket(workspace, agent, subject="Parcel late", requester=alice)
    make_ticket(workspace, agent, subject="Printer jammed", answer="Reset the tray")
    stranger = ContactFactory(
        workspace=other_workspace, name="Alice Smith", email="alice.smith@shop.example"
    )
    make_ticket(other_workspace, None, subject="Refund Alice", requester=stranger)


def found(api, q, **params):
    response = api.get(f"{BASE}/tickets/", {"q": q, **params})
    assert response.status_code == 200, response.content
    return [t["number"] for t in response.json()["results"]]


@pytest.mark.parametrize(
    ("q", "numbers"),
    [
        # The last word as a prefix, newest first.
        ("refu", [4, 2, 1]),
        ("ref", [4, 2, 1]),
        ("REFUND", [2, 1]),
        ("refund invo", [2]),
        ("invoice refu", [2]),
        ("refund parcel", []),
        ("jam", [6]),
        ("reset tra", [6]),
        # Refs.
        ("TKT-3", [3]),
        ("#5", [5]),
        ("2", [2]),
        ("tkt-0004", [4]),
        ("TKT-99", []),
        # Fragments of the requester's name and e-mail.
        ("smi", [5, 1]),
        ("alice smith", [5, 1]),
        ("ice.smith@sho", [5, 1]),
        ("mail.test", [3]),
        ("bob@", [3]),
        ("jones bob", [3]),
        ("alice jones", []),
    ],
)
def test_search_finds_exactly_these_tickets(api, tickets, q, numbers):
    assert found(api, q) == numbers


def test_every_match_is_paged_through_newest_first(api, tickets):
    first = api.get(f"{BASE}/tickets/", {"q": "refu", "page_size": 2}).json()
    second = api.get(first["next"]).json()
    assert [t["number"] for t in first["results"]] == [4, 2]
    assert [t["number"] for t in second["results"]] == [1]
    assert second["next"] is None


def test_explicit_ordering_applies_to_search(api, tickets):
    assert found(api, "refu", ordering="number") == [1, 2, 4]


def test_a_requester_match_past_the_listed_ids_still_finds_every_ticket(
    api, workspace, agent, monkeypatch
):
    # Past REQUESTER_IDS_LISTED contacts the match is a subquery, not a cut list.
    monkeypatch.setattr(selectors, "REQUESTER_IDS_LISTED", 2)
    for i in range(4):
        contact = ContactFactory(workspace=workspace, email=f"c{i}@x.test")
        make_ticket(workspace, agent, subject=f"Hello {i}", requester=contact)
    make_ticket(workspace, agent, subject="Hello again")
    assert found(api, "x.test") == [4, 3, 2, 1]
    assert found(api, "x.test", count="true", page_size=1) == [4]
    assert (
        api.get(f"{BASE}/tickets/", {"q": "x.te", "count": "true"}).json()["count"] == 4
    )


def test_more_words_than_searched_are_refused_not_dropped(
    api, client, agent, tickets, workspace
):
    response = api.get(f"{BASE}/tickets/", {"q": "refund " + "x " * 10})
    assert response.status_code == 400
    assert "At most 10 words." in response.json()["errors"]["q"]
    assert found(api, "refund " + "please " * 9) == [2]
    client.force_login(agent)
    url = reverse("tickets:index", args=[workspace.slug])
    page = client.get(url, {"q": "refund " + "x " * 10, "view": "list"})
    assert "At most 10 words." in page.content.decode()


def test_punctuation_alone_matches_nothing_without_an_error(api, tickets):
    assert found(api, "'&|!:*") == []
    assert found(api, "(refund)") == [2, 1]


def test_the_tickets_page_shows_what_the_api_answers(
    api, client, agent, tickets, workspace
):
    client.force_login(agent)
    url = reverse("tickets:index", args=[workspace.slug])
    for q in ("refu", "smi", "TKT-3", "bob@"):
        html = client.get(url, {"q": q, "view": "list"}).content.decode()
        rows = re.findall(r'<tr class="row[^"]*" data-number="(\d+)"', html)
        assert [int(n) for n in rows] == found(api, q), q


# The membership, the requesters matched (not for a ref), the page in a savepoint
# (two statements), its tags, SLA clocks and sync links.
SEARCH_QUERIES = 8


@pytest.mark.parametrize("q", ["refu", "smi", "TKT-1"])
def test_search_costs_the_same_for_1_and_30_matches(api, workspace, agent, q):
    alice = ContactFactory(workspace=workspace, name="Alice Smith")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = api.get(f"{BASE}/tickets/", {"q": q, "page_size": 50})
        assert response.status_code == 200
        return len(captured), len(response.json()["results"])

    make_ticket(workspace, agent, subject="Refund", requester=alice, tags=["a"])
    one = queries()
    for _ in range(29):
        make_ticket(workspace, agent, subject="Refund", requester=alice, tags=["a"])
    many = queries()
    ref = q.startswith("TKT")
    assert one == (SEARCH_QUERIES - ref, 1)
    assert many == (SEARCH_QUERIES - ref, 1 if ref else 30)


# --- PostgreSQL: the indexes serve the queries ---


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        return queryset.explain()


@postgres_only
def test_the_stored_document_is_the_search_vector(workspace, agent):
    make_ticket(
        workspace,
        agent,
        subject="Printer on fire",
        question="Broken tray?",
        content="Paper stuck",
        answer="Reset it",
    )
    row = (
        Ticket.objects.annotate(
            vector=selectors.SEARCH_VECTOR, stored=selectors.SearchDocument()
        )
        .values("vector", "stored")
        .get()
    )
    assert row["stored"] == row["vector"]
    assert "'printer':1A" in row["stored"] and "'stuck':" in row["stored"]


@postgres_only
def test_the_text_search_uses_the_stored_document_index(workspace, agent):
    make_ticket(workspace, agent, subject="Printer on fire")
    queryset = selectors.ticket_search(
        Ticket.objects.order_by(), "fire prin", prefix="TKT", workspace=workspace
    )
    assert "ticket_search_document" in _plan(queryset)


@postgres_only
def test_similar_tickets_still_have_the_expression_index(workspace, agent):
    make_ticket(workspace, agent, subject="Printer on fire")
    query = SearchQuery("printer", config=selectors.SEARCH_CONFIG)
    queryset = Ticket.objects.annotate(document=selectors.SEARCH_VECTOR).filter(
        document=query
    )
    assert "ticket_search_gin" in _plan(queryset)


@postgres_only
def test_requester_fragments_use_the_trigram_indexes(workspace):
    ContactFactory(workspace=workspace, name="Alice Smith", email="a@shop.example")
    plan = _plan(
        Contact.objects.filter(name__icontains="lice")
        | Contact.objects.filter(email__icontains="shop.ex")
    )
    assert "contact_name_trgm" in plan
    assert "contact_email_trgm" in plan

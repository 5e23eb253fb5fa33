"""Ticket search: the GIN index serves the full-text query on PostgreSQL, and the
portable fallback finds the same tickets for simple words."""

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection

from tests.api.conftest import BASE
from tests.factories import ContactFactory, make_ticket
from tickets import selectors
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the GIN index exists on PostgreSQL"
)


@postgres_only
def test_full_text_query_uses_the_gin_index(workspace, agent):
    make_ticket(workspace, agent, subject="Printer on fire")
    queryset = Ticket.objects.annotate(document=selectors.SEARCH_VECTOR).filter(
        document=SearchQuery("printer", config=selectors.SEARCH_CONFIG)
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert "ticket_search_gin" in plan


def test_simple_words_find_the_same_tickets_on_every_database(api, workspace, agent):
    alice = ContactFactory(workspace=workspace, name="Alice Smith", email="a@x.io")
    make_ticket(workspace, agent, subject="Printer jammed", content="paper stuck")
    make_ticket(workspace, agent, subject="Refund", answer="We sent the money")
    make_ticket(workspace, agent, subject="Hello", requester=alice)
    make_ticket(workspace, agent, subject="Other", question="Where is my parcel")

    def found(q):
        response = api.get(f"{BASE}/tickets/", {"q": q, "ordering": "number"})
        return [t["number"] for t in response.json()["results"]]

    assert found("printer") == [1]
    assert found("paper printer") == [1]
    assert found("money") == [2]
    assert found("alice") == [3]
    assert found("smith") == [3]
    assert found("parcel") == [4]
    assert found("printer money") == []

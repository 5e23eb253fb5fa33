"""Pinned query counts: the list costs the same for 1 and 50 rows, the detail is
bounded."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import BASE
from tests.factories import ContactFactory, LabelFactory, TeamFactory, make_ticket
from tickets import conversations, services

pytestmark = pytest.mark.django_db

LIST_MAX_QUERIES = 10
DETAIL_MAX_QUERIES = 15


def _rich_ticket(workspace, agent):
    parent = LabelFactory(workspace=workspace)
    return make_ticket(
        workspace,
        agent,
        team=TeamFactory(workspace=workspace),
        requester=ContactFactory(workspace=workspace),
        label=LabelFactory(workspace=workspace, parent=parent),
        tags=["a", "b"],
    )


def _count(api, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


def test_list_costs_the_same_for_1_and_50_rows(api, workspace, agent):
    _rich_ticket(workspace, agent)
    params = {"page_size": 50, "q": "printer", "tags": "a"}
    one = _count(api, f"{BASE}/tickets/", params)
    for _ in range(49):
        _rich_ticket(workspace, agent)
    fifty = _count(api, f"{BASE}/tickets/", params)
    assert one == fifty
    assert fifty <= LIST_MAX_QUERIES


def test_detail_is_bounded(api, workspace, agent):
    ticket = _rich_ticket(workspace, agent)
    conversation = conversations.conversation_create(workspace=workspace)
    services.comment_add(ticket=ticket, actor=agent, body="note")
    ticket.associated_conversations.add(conversation)
    assert _count(api, f"{BASE}/tickets/{ticket.number}/") <= DETAIL_MAX_QUERIES

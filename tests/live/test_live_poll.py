"""The live-update poll (tickets.ui.views.live): 304 while nothing changed, the
changed tickets and counts when something did, one idle check at a fixed cost."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_ticket
from tests.querycount import assert_same_cost
from tickets import services

URL = reverse("tickets:live", args=["acme"])


def poll(client, etag="", **params):
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    return client.get(URL, params, **headers)


def idle_check_cost(client):
    first = poll(client, ticket=1)
    assert first.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        again = poll(client, first["ETag"], since=first.json()["marker"], ticket=1)
    assert again.status_code == 304
    return len(queries)


@pytest.mark.django_db
def test_idle_check_costs_the_same_for_1_and_50_tickets(client_agent, workspace, agent):
    make_ticket(workspace, agent)
    one = idle_check_cost(client_agent)
    for i in range(49):
        make_ticket(workspace, agent, subject=f"Row {i}")
    many = idle_check_cost(client_agent)
    # session, user, membership (with workspace), the newest event id
    assert_same_cost(one, many, pinned=4)


def test_unchanged_answers_304_and_a_change_names_the_ticket(
    client_agent, workspace, agent
):
    first_ticket = make_ticket(workspace, agent, subject="One")
    second = make_ticket(workspace, agent, subject="Two")
    first = poll(client_agent)
    marker = first.json()["marker"]
    assert first.json()["counts"]["all"] == "2"
    assert poll(client_agent, first["ETag"], since=marker).status_code == 304

    services.ticket_set_priority(ticket=second, priority=5, actor=agent)
    changed = poll(client_agent, first["ETag"], since=marker)
    assert changed.status_code == 200
    body = changed.json()
    assert body["changed"] == [2]
    assert body["marker"] > marker
    assert first_ticket.number not in body["changed"]
    assert changed["ETag"] != first["ETag"]


def test_bad_parameters_are_refused_naming_the_field(client_agent, workspace):
    for params, field in (
        ({"since": "abc"}, "since"),
        ({"ticket": "0"}, "ticket"),
        ({"ticket": str(2**40)}, "ticket"),
        ({"state": "<script>"}, "state"),
    ):
        response = poll(client_agent, **params)
        assert response.status_code == 400, params
        assert field in response.json()["errors"], params


def test_another_workspace_answers_404(client, other_workspace, agent):
    client.force_login(agent)
    response = client.get(reverse("tickets:live", args=["globex"]))
    assert response.status_code == 404


def test_the_poll_needs_a_login(client, workspace):
    response = client.get(URL)
    assert response.status_code == 302

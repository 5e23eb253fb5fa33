"""The roles matrix (helpdesk.permissions) as the API enforces it: one test per cell
that differs between roles, plus non-members and anonymous callers."""

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import BASE, client_for
from tests.factories import UserFactory, make_ticket
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_anonymous_caller_is_refused(workspace):
    response = APIClient().get(f"{BASE}/tickets/")
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_user_outside_the_workspace_gets_404(workspace):
    response = client_for(UserFactory()).get(f"{BASE}/tickets/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("role", ["agent", "manager", "admin_member"])
def test_every_role_views_creates_edits_comments_and_bulks(request, workspace, role):
    user = request.getfixturevalue(role)
    client = client_for(user)
    created = client.post(f"{BASE}/tickets/", {"subject": "Hi"}, format="json")
    assert created.status_code == 201
    ref = created.json()["ref"]
    assert client.get(f"{BASE}/tickets/{ref}/").status_code == 200
    edited = client.patch(
        f"{BASE}/tickets/{ref}/",
        {"priority": 4},
        format="json",
        HTTP_IF_MATCH=created["ETag"],
    )
    assert edited.status_code == 200
    comment = client.post(
        f"{BASE}/tickets/{ref}/comments/", {"body": "note"}, format="json"
    )
    assert comment.status_code == 201
    bulk = client.post(
        f"{BASE}/tickets/bulk/",
        {"action": "priority", "tickets": [ref], "params": {"priority": 2}},
        format="json",
    )
    assert bulk.status_code == 200


def test_agent_may_not_delete(api, workspace, agent):
    ticket = make_ticket(workspace, agent)
    response = api.delete(f"{BASE}/tickets/{ticket.number}/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert response.json()["message"] == "An agent may not do this."
    assert Ticket.objects.filter(pk=ticket.pk).exists()


@pytest.mark.parametrize("role", ["manager", "admin_member"])
def test_managers_and_admins_may_delete(request, workspace, agent, role):
    ticket = make_ticket(workspace, agent)
    client = client_for(request.getfixturevalue(role))
    assert client.delete(f"{BASE}/tickets/{ticket.number}/").status_code == 204


def test_agent_may_not_bulk_delete(api, workspace, agent):
    make_ticket(workspace, agent)
    response = api.post(
        f"{BASE}/tickets/bulk/", {"action": "delete", "tickets": [1]}, format="json"
    )
    assert response.status_code == 403


def test_agent_may_not_share_a_view(api):
    response = api.post(
        f"{BASE}/views/", {"name": "Shared", "is_shared": True}, format="json"
    )
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["manager", "admin_member"])
def test_managers_and_admins_may_share_a_view(request, workspace, role):
    client = client_for(request.getfixturevalue(role))
    response = client.post(
        f"{BASE}/views/", {"name": "Shared", "is_shared": True}, format="json"
    )
    assert response.status_code == 201

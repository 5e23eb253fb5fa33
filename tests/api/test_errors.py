"""One PermissionDenied and one JSON error body on every surface."""

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.urls import reverse

from helpdesk.lib.errors import PermissionDenied
from tests.api.conftest import BASE
from tests.factories import make_ticket

pytestmark = pytest.mark.django_db

BODY_KEYS = {"code", "message", "errors"}


def test_the_domain_permission_error_is_djangos_too():
    assert issubclass(PermissionDenied, DjangoPermissionDenied)
    assert PermissionDenied().message


def test_api_refusal_by_role_is_a_403_in_the_one_body(api, workspace, agent):
    ticket = make_ticket(workspace, agent)
    response = api.delete(f"{BASE}/tickets/{ticket.number}/")
    assert response.status_code == 403
    body = response.json()
    assert set(body) == BODY_KEYS and body["code"] == "permission_denied"


def test_a_page_refusal_by_role_is_a_403(client, agent):
    client.force_login(agent)
    response = client.get(reverse("reports:index", args=["acme"]))
    assert response.status_code == 403


def test_reports_json_error_is_the_one_body(client, manager, workspace):
    client.force_login(manager)
    response = client.get(reverse("reports:export", args=["acme"]), {"status": "nope"})
    assert response.status_code == 400
    body = response.json()
    assert set(body) == BODY_KEYS and body["code"] == "invalid"
    assert "status" in body["errors"]


def test_unknown_api_url_is_the_one_body(api):
    response = api.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "No such resource.",
        "errors": {},
    }

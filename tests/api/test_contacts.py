"""GET contacts/: search by name and e-mail, cursor pages, an exact total on
request, never another workspace's contacts, and a pinned query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import BASE, OTHER
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

# The membership, the COUNT (`count=true`), the page's rows, and the savepoint
# around them (two statements): 1 row costs what 30 do.
CONTACT_LIST_QUERIES = 5


@pytest.fixture
def contacts(workspace, other_workspace):
    ContactFactory(workspace=workspace, name="Dana Scully", email="dana@fbi.example")
    ContactFactory(workspace=workspace, name="Fox Mulder", email="fox@fbi.example")
    ContactFactory(workspace=workspace, name="Walter Skinner", email="ws@ad.example")
    # Another tenant's contact, matching every search below.
    ContactFactory(
        workspace=other_workspace, name="Dana Mulder", email="dana@globex.example"
    )


def _names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["name"] for row in response.json()["results"]]


def test_search_by_name_and_by_email_in_the_workspace_only(api, contacts):
    assert _names(api.get(f"{BASE}/contacts/", {"q": "dana"})) == ["Dana Scully"]
    assert _names(api.get(f"{BASE}/contacts/", {"q": "fbi.example"})) == [
        "Dana Scully",
        "Fox Mulder",
    ]
    assert _names(api.get(f"{BASE}/contacts/", {"q": "globex"})) == []
    assert _names(api.get(f"{BASE}/contacts/", {"q": "mulder"})) == ["Fox Mulder"]


def test_another_workspaces_contacts_answer_404(api, contacts):
    response = api.get(f"{OTHER}/contacts/")
    assert response.status_code == 404
    assert "Dana" not in response.content.decode()


def test_pages_by_name_with_an_exact_count(api, contacts):
    first = api.get(f"{BASE}/contacts/", {"page_size": 2, "count": "true"}).json()
    assert first["count"] == 3
    assert [row["name"] for row in first["results"]] == ["Dana Scully", "Fox Mulder"]
    second = api.get(first["next"]).json()
    assert [row["name"] for row in second["results"]] == ["Walter Skinner"]
    assert "count" not in api.get(f"{BASE}/contacts/").json()


def test_unknown_parameters_and_bad_values_are_400s(api, contacts):
    response = api.get(f"{BASE}/contacts/", {"serach": "dana"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["serach"]
    assert api.get(f"{BASE}/contacts/", {"count": "yes"}).status_code == 400
    assert api.get(f"{BASE}/contacts/", {"q": "x" * 201}).status_code == 400
    assert _names(api.get(f"{BASE}/contacts/", {"q": "da\x00na"})) == ["Dana Scully"]


def _queries(api) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"{BASE}/contacts/", {"count": "true", "page_size": 50})
    assert response.status_code == 200
    return len(queries)


def test_one_contact_costs_what_thirty_do(api, workspace):
    ContactFactory(workspace=workspace)
    one = _queries(api)
    ContactFactory.create_batch(29, workspace=workspace)
    thirty = _queries(api)
    assert (one, thirty) == (CONTACT_LIST_QUERIES, CONTACT_LIST_QUERIES)

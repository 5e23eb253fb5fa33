"""The API says no rather than guessing: a status PATCH points to the transition
verb, unknown fields and filters and wrong JSON types are 400s naming them, a
create cannot skip the workflow; and it takes what a client has at hand:
`requester` as an e-mail, `assignee: "me"`, `?count=true` for a total."""

import pytest

from helpdesk.models import Contact
from tests.api.conftest import BASE
from tests.factories import ContactFactory, make_ticket
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(workspace, agent):
    return make_ticket(workspace, agent, subject="Printer on fire")


def _errors(response, status=400) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == "invalid"
    return body["errors"]


def _patch(api, ticket, body):
    return api.patch(
        f"{BASE}/tickets/{ticket.number}/", body, format="json", HTTP_IF_MATCH="*"
    )


@pytest.mark.parametrize("status", ["archived", "resolved", "in_progress"])
def test_a_status_patch_names_the_transition_verb_and_changes_nothing(
    api, ticket, status
):
    errors = _errors(_patch(api, ticket, {"status": status, "priority": 5}))
    assert list(errors) == ["status"]
    assert "/transition/" in errors["status"][0]
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.version) == ("open", 3, 1)


def test_unknown_body_fields_are_named(api, ticket):
    errors = _errors(_patch(api, ticket, {"priorty": 5, "subjct": "x"}))
    assert sorted(errors) == ["priorty", "subjct"]
    assert "Unknown field 'priorty'" in errors["priorty"][0]
    errors = _errors(
        api.post(f"{BASE}/tickets/{ticket.number}/assign/", {"asignee": "me"})
    )
    assert list(errors) == ["asignee"]


@pytest.mark.parametrize("path", ["tickets/", "tickets/stats/"])
def test_unknown_filters_are_named(api, ticket, path):
    errors = _errors(api.get(f"{BASE}/{path}", {"stauts": "open", "assignee": "me"}))
    assert list(errors) == ["stauts"]
    # The date ranges' own names are known.
    ok = api.get(f"{BASE}/{path}", {"created_after": "2020-01-01"})
    assert ok.status_code == 200


@pytest.mark.parametrize(
    "body, field",
    [
        ({"subject": 5}, "subject"),
        ({"subject": "Ok", "priority": "3"}, "priority"),
        ({"subject": "Ok", "tags": "a,b"}, "tags"),
        ({"subject": "Ok", "confidence": True}, "confidence"),
    ],
)
def test_wrong_json_types_are_refused_not_coerced(api, body, field):
    assert list(_errors(api.post(f"{BASE}/tickets/", body, format="json"))) == [field]
    assert Ticket.objects.count() == 0


def test_a_form_may_still_send_text(api, ticket):
    response = api.post(
        f"{BASE}/tickets/{ticket.number}/comments/",
        {"body": "Noted", "is_public": "false"},
        format="multipart",
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("status", ["resolved", "closed", "archived"])
def test_create_refuses_post_workflow_statuses(api, status):
    errors = _errors(
        api.post(f"{BASE}/tickets/", {"subject": "x", "status": status}, format="json")
    )
    assert "/transition/" in errors["status"][0]
    assert Ticket.objects.count() == 0


def test_create_may_start_in_progress(api):
    body = {"subject": "x", "status": "in_progress"}
    response = api.post(f"{BASE}/tickets/", body, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "in_progress"


def test_requester_as_an_email_finds_or_makes_the_contact_here(
    api, workspace, other_workspace
):
    known = ContactFactory(workspace=workspace, email="dana@example.org")
    ContactFactory(workspace=other_workspace, email="fox@example.org")
    body = {"subject": "Refund", "requester": "DANA@example.org"}
    created = api.post(f"{BASE}/tickets/", body, format="json").json()
    assert created["requester"]["id"] == known.pk
    body = {"subject": "Login", "requester": "fox@example.org"}
    created = api.post(f"{BASE}/tickets/", body, format="json").json()
    made = Contact.objects.get(pk=created["requester"]["id"])
    assert (made.workspace_id, made.email) == (workspace.pk, "fox@example.org")
    assert Contact.objects.filter(email="fox@example.org").count() == 2


def test_a_refused_body_makes_no_contact(api, ticket):
    body = {"requester": "new@example.org", "priority": 9}
    assert "priority" in _errors(_patch(api, ticket, body))
    bad = _errors(_patch(api, ticket, {"requester": "not an@address"}))
    assert list(bad) == ["requester"]
    assert not Contact.objects.exists()


def test_requester_by_id_of_another_workspace_is_refused(api, other_workspace):
    foreign = ContactFactory(workspace=other_workspace)
    body = {"subject": "x", "requester": foreign.pk}
    errors = _errors(api.post(f"{BASE}/tickets/", body, format="json"))
    assert errors["requester"] == [
        f"No contact with id {foreign.pk} in this workspace."
    ]


def test_me_in_writes(api, agent, manager, ticket):
    created = api.post(
        f"{BASE}/tickets/", {"subject": "x", "assignee": "me"}, format="json"
    )
    assert created.json()["assignee"]["id"] == agent.pk
    assert _patch(api, ticket, {"assignee": None}).json()["assignee"] is None
    assert _patch(api, ticket, {"assignee": "me"}).json()["assignee"]["id"] == agent.pk
    url = f"{BASE}/tickets/{ticket.number}/assign/"
    assert api.post(url, {"assignee": manager.pk}).json()["assignee"]["id"] == (
        manager.pk
    )
    assert api.post(url, {"assignee": "me"}).json()["assignee"]["id"] == agent.pk
    assert list(_errors(api.post(url, {"assignee": "you"}))) == ["assignee"]


def test_count_true_adds_the_exact_total(api, workspace, agent):
    for n in range(5):
        make_ticket(workspace, agent, subject=f"T{n}")
    page = api.get(f"{BASE}/tickets/", {"page_size": 2, "count": "true"}).json()
    assert (page["count"], len(page["results"])) == (5, 2)
    assert "count" not in api.get(f"{BASE}/tickets/").json()
    assert list(_errors(api.get(f"{BASE}/tickets/", {"count": "1"}))) == ["count"]


def test_a_form_over_a_thousand_fields_is_a_json_400(api, ticket):
    fields = "&".join(f"f{n}=x" for n in range(1_100))
    response = api.post(
        f"{BASE}/tickets/{ticket.number}/comments/",
        fields,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"

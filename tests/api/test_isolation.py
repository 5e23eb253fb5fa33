"""A member of workspace A never reaches workspace B through the API: B's numbers in
paths, B's ids in bodies, filters, bulk selections and saved views answer 404 or a
field error, and no byte of B's data comes back."""

import pytest
from django.utils import timezone

from tests.api.conftest import BASE, OTHER
from tests.factories import (
    ContactFactory,
    LabelFactory,
    MembershipFactory,
    TeamFactory,
    make_ticket,
)
from tickets import conversations, services
from tickets.models import SavedView, Ticket

pytestmark = pytest.mark.django_db

SECRET = "Globex secret plans"


@pytest.fixture
def theirs(other_workspace):
    """Workspace B: a member, a ticket with a secret subject, and its related rows."""
    member = MembershipFactory(workspace=other_workspace, user__username="bob").user
    conversation = conversations.conversation_create(
        workspace=other_workspace,
        messages=[
            {"author_kind": "contact", "body": SECRET, "sent_at": timezone.now()}
        ],
    )
    ticket = make_ticket(
        other_workspace, member, subject=SECRET, primary_conversation=conversation
    )
    return {
        "member": member,
        "ticket": ticket,
        "team": TeamFactory(workspace=other_workspace),
        "label": LabelFactory(workspace=other_workspace),
        "contact": ContactFactory(workspace=other_workspace),
        "conversation": conversation,
        "view": SavedView.objects.create(
            workspace=other_workspace, owner=member, name=SECRET, is_shared=True
        ),
    }


def assert_no_leak(response):
    assert SECRET not in response.content.decode()


def test_other_workspace_slug_is_404(api, theirs):
    for url in (f"{OTHER}/tickets/", f"{OTHER}/tickets/1/", f"{OTHER}/views/"):
        response = api.get(url)
        assert response.status_code == 404
        assert_no_leak(response)


def test_their_numbers_in_our_paths_are_404(api, workspace, theirs):
    number = theirs["ticket"].number
    for suffix in ("", "events/", "history/", "comments/"):
        response = api.get(f"{BASE}/tickets/{number}/{suffix}")
        assert response.status_code == 404
        assert_no_leak(response)
    assert api.get(f"{BASE}/tickets/GLX-{number}/").status_code == 404
    assert (
        api.post(
            f"{BASE}/tickets/{number}/transition/", {"status": "closed"}, format="json"
        ).status_code
        == 404
    )
    response = api.get(f"{BASE}/conversations/{theirs['conversation'].pk}/")
    assert response.status_code == 404
    assert_no_leak(response)
    assert api.get(f"{BASE}/views/{theirs['view'].pk}/").status_code == 404


def test_their_ids_in_bodies_are_field_errors(api, workspace, agent, theirs):
    response = api.post(
        f"{BASE}/tickets/",
        {
            "subject": "x",
            "assignee": theirs["member"].pk,
            "team": theirs["team"].pk,
            "label": theirs["label"].pk,
            "requester": theirs["contact"].pk,
            "primary_conversation": theirs["conversation"].pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {
        "assignee",
        "team",
        "label",
        "requester",
        "primary_conversation",
    }
    ours = make_ticket(workspace, agent)
    assign = api.post(
        f"{BASE}/tickets/{ours.number}/assign/",
        {"assignee": theirs["member"].pk},
        format="json",
    )
    assert assign.status_code == 400
    assert "assignee" in assign.json()["errors"]


def test_their_ids_in_filters_are_field_errors(api, theirs):
    for name in ("assignee", "team", "label"):
        value = theirs["member" if name == "assignee" else name].pk
        response = api.get(f"{BASE}/tickets/", {name: value})
        assert response.status_code == 400
        assert name in response.json()["errors"]
    searched = api.get(f"{BASE}/tickets/", {"q": "secret"})
    assert searched.json()["results"] == []
    assert_no_leak(searched)


def test_their_tickets_in_bulk_are_refused_untouched(api, workspace, agent, theirs):
    make_ticket(workspace, agent)
    response = api.post(
        f"{BASE}/tickets/bulk/",
        {"action": "complete", "tickets": [1, "GLX-1"]},
        format="json",
    )
    assert response.status_code == 400
    assert "tickets" in response.json()["errors"]
    by_filter = api.post(
        f"{BASE}/tickets/bulk/",
        {"action": "complete", "filters": {"team": str(theirs["team"].pk)}},
        format="json",
    )
    assert by_filter.status_code == 400
    assert Ticket.objects.get(pk=theirs["ticket"].pk).status == "open"
    assert Ticket.objects.get(workspace=workspace).status == "open"


def test_their_ids_in_saved_view_filters_are_field_errors(api, theirs):
    response = api.post(
        f"{BASE}/views/",
        {"name": "spy", "filters": {"team": str(theirs["team"].pk)}},
        format="json",
    )
    assert response.status_code == 400
    assert "filters.team" in response.json()["errors"]
    listed = api.get(f"{BASE}/views/")
    assert listed.json() == []
    assert (
        api.patch(
            f"{BASE}/views/{theirs['view'].pk}/", {"name": "x"}, format="json"
        ).status_code
        == 404
    )


def test_lists_show_only_our_rows(api, workspace, agent, theirs):
    make_ticket(workspace, agent, tags=["ours"])
    services.ticket_set_tags(ticket=theirs["ticket"], actor=None, add=["theirs"])
    for resource in ("tickets", "conversations", "tags", "labels", "teams", "members"):
        response = api.get(f"{BASE}/{resource}/")
        assert response.status_code == 200
        assert_no_leak(response)
        assert "theirs" not in response.content.decode()
        assert "bob" not in response.content.decode()
    stats = api.get(f"{BASE}/tickets/stats/").json()
    assert stats["total"] == 1

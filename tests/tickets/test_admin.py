import pytest
from django.contrib.auth import get_user_model

from tests.factories import make_ticket
from tickets.models import Ticket


@pytest.fixture
def staff_client(client, workspace):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    workspace.memberships.create(user=user, role="admin")
    client.force_login(user)
    return client, user


def test_admin_pages_render(staff_client, workspace):
    client, user = staff_client
    ticket = make_ticket(workspace, user)
    for url in [
        "/admin/tickets/ticket/",
        f"/admin/tickets/ticket/{ticket.pk}/change/",
        f"/admin/tickets/ticket/{ticket.pk}/history/",
        "/admin/tickets/ticket/add/",
        "/admin/tickets/ticketevent/",
        "/admin/helpdesk/workspace/",
    ]:
        assert client.get(url).status_code == 200, url


def _form(ticket, **changes):
    data = {
        "subject": ticket.subject,
        "content": ticket.content,
        "status": ticket.status,
        "priority": ticket.priority,
        "assignee": ticket.assignee_id or "",
        "tag_names": "",
        "comments-TOTAL_FORMS": 0,
        "comments-INITIAL_FORMS": 0,
        "events-TOTAL_FORMS": 0,
        "events-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return data


def test_admin_edit_goes_through_the_services(staff_client, workspace):
    client, user = staff_client
    ticket = make_ticket(workspace, user)
    response = client.post(
        f"/admin/tickets/ticket/{ticket.pk}/change/",
        _form(ticket, priority=5, status="resolved", tag_names="vip, refund"),
    )
    assert response.status_code == 302, response.content[:2000]
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.status) == (5, "resolved")
    assert ticket.resolved_at is not None
    kinds = list(ticket.events.order_by("id").values_list("kind", flat=True))
    assert kinds == ["created", "priority_changed", "status_changed", "tags_changed"]
    assert ticket.history.first().history_user == user


def test_admin_refuses_a_transition_the_workflow_forbids(staff_client, workspace):
    client, user = staff_client
    ticket = make_ticket(workspace, user)
    response = client.post(
        f"/admin/tickets/ticket/{ticket.pk}/change/", _form(ticket, status="archived")
    )
    assert response.status_code == 200
    assert b"Cannot change status from Open to Archived" in response.content
    ticket.refresh_from_db()
    assert ticket.status == "open"


def test_admin_add_creates_through_the_service(staff_client, workspace):
    client, user = staff_client
    response = client.post(
        "/admin/tickets/ticket/add/",
        {
            "workspace": workspace.pk,
            "subject": "Made in the admin",
            "status": "open",
            "priority": 3,
            "tag_names": "admin",
            "comments-TOTAL_FORMS": 0,
            "comments-INITIAL_FORMS": 0,
            "events-TOTAL_FORMS": 0,
            "events-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content[:3000]
    ticket = Ticket.objects.get(subject="Made in the admin")
    assert ticket.number == 1
    assert ticket.events.get().kind == "created"


def test_admin_action_resolves_through_the_service(staff_client, workspace):
    client, user = staff_client
    tickets = [make_ticket(workspace, user) for _ in range(2)]
    client.post(
        "/admin/tickets/ticket/",
        {"action": "mark_resolved", "_selected_action": [t.pk for t in tickets]},
    )
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.status == "resolved"
        assert ticket.events.filter(kind="status_changed").count() == 1

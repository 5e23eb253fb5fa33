"""The back office for SLA calendars, policies, clocks and notifications."""

import pytest
from django.urls import reverse

from sla.models import SlaPolicy, SlaTarget
from tests.factories import make_ticket
from tests.sla.conftest import make_office_calendar, make_policy


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "name",
    [
        "sla_calendar",
        "sla_slapolicy",
        "sla_slatarget",
        "helpdesk_notification",
    ],
)
def test_sla_admin_lists_load(staff_client, workspace, agent, name):
    calendar = make_office_calendar(workspace)
    make_policy(workspace, calendar=calendar, business_hours=True)
    make_ticket(workspace, agent)
    app, model = name.split("_", 1)
    response = staff_client.get(reverse(f"admin:{app}_{model}_changelist"))
    assert response.status_code == 200


def test_policy_change_page_shows_targets_inline(staff_client, workspace):
    policy = make_policy(workspace)
    response = staff_client.get(reverse("admin:sla_slapolicy_change", args=[policy.pk]))
    assert response.status_code == 200
    assert b"First response" in response.content


def test_reapply_action_starts_clocks_on_open_tickets(staff_client, workspace, agent):
    ticket = make_ticket(workspace, agent)
    policy = make_policy(workspace)
    response = staff_client.post(
        reverse("admin:sla_slapolicy_changelist"),
        {"action": "reapply_to_open_tickets", "_selected_action": [policy.pk]},
        follow=True,
    )
    assert b"re-applied to 1 open tickets" in response.content
    assert SlaTarget.objects.filter(ticket=ticket).count() == 2
    assert SlaPolicy.objects.count() == 1


def test_deleting_a_clock_moves_its_tickets_next_breach(staff_client, workspace, agent):
    make_policy(workspace)
    ticket = make_ticket(workspace, agent)
    first = SlaTarget.objects.get(ticket=ticket, metric="first_response")
    resolution = SlaTarget.objects.get(ticket=ticket, metric="resolution")
    url = reverse("admin:sla_slatarget_delete", args=[first.pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.next_breach_at == resolution.due_at

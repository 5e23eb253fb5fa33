import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from import_export.formats.base_formats import CSV

from tests.factories import MembershipFactory, make_ticket
from tickets import services
from tickets.exports import exporter
from tickets.models import Ticket, TicketEvent
from tickets.resources import TicketResource

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:tickets_ticket_changelist"


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw")


@pytest.fixture
def super_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def staff_client(client, staff_manager):
    client.force_login(staff_manager)
    return client


def _staff(workspace, role, username):
    user = MembershipFactory(
        workspace=workspace, role=role, user__username=username, user__is_staff=True
    ).user
    user.save()
    return user


def test_superuser_sees_every_admin_page_of_a_ticket(super_client, workspace, manager):
    ticket = make_ticket(workspace, subject="Visible", tags=["a"])
    services.comment_add(ticket=ticket, actor=manager, body="Note")

    assert super_client.get(reverse(CHANGELIST)).status_code == 200
    change = super_client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    assert change.status_code == 200
    assert b"Note" in change.content  # comments inline
    history = reverse("admin:tickets_ticket_history", args=[ticket.pk])
    assert super_client.get(history).status_code == 200
    for name in ("conversation", "label", "tag", "ticketevent", "exportjob"):
        url = reverse(f"admin:tickets_{name}_changelist")
        assert super_client.get(url).status_code == 200, name


def test_manager_sees_only_their_workspaces_tickets(
    staff_client, workspace, other_workspace
):
    make_ticket(workspace, subject="Ours")
    theirs = make_ticket(other_workspace, subject="Theirs")

    response = staff_client.get(reverse(CHANGELIST))

    assert response.status_code == 200
    assert [t.subject for t in response.context["cl"].result_list] == ["Ours"]
    other = staff_client.get(reverse("admin:tickets_ticket_change", args=[theirs.pk]))
    assert other.status_code == 302  # "does not exist" redirect to the admin index


def test_manager_works_tickets_but_only_reads_workspace_settings(
    staff_client, workspace
):
    ticket = make_ticket(workspace, subject="Edit me")
    url = reverse("admin:helpdesk_workspace_change", args=[workspace.pk])

    assert staff_client.get(url).status_code == 200
    assert staff_client.post(url, {"name": "Hacked"}).status_code == 403
    workspace.refresh_from_db()
    assert workspace.name == "Acme"
    assert staff_client.get(reverse("admin:helpdesk_workspace_add")).status_code == 403
    change = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    assert staff_client.get(change).status_code == 200


def test_workspace_admin_may_change_settings(client, workspace):
    client.force_login(_staff(workspace, "admin", "wsadmin"))
    url = reverse("admin:helpdesk_team_add")
    response = client.post(
        url, {"workspace": workspace.pk, "name": "Escalations", "routing": "none"}
    )
    assert response.status_code == 302
    assert workspace.teams.get().name == "Escalations"


def test_agent_has_no_back_office(client, workspace):
    client.force_login(_staff(workspace, "agent", "staffagent"))

    assert client.get(reverse(CHANGELIST)).status_code == 403
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert not index.context["app_list"]


def _action(client, action, tickets, **fields):
    return client.post(
        reverse(CHANGELIST),
        {
            "action": action,
            "_selected_action": [t.pk for t in tickets],
            **fields,
        },
    )


def test_status_action_goes_through_the_state_machine(
    staff_client, staff_manager, workspace
):
    open_ticket = make_ticket(workspace, subject="Open")
    closed = make_ticket(workspace, subject="Closed", status="closed")

    response = _action(
        staff_client, "change_status", [open_ticket, closed], status="in_progress"
    )

    assert response.status_code == 302
    open_ticket.refresh_from_db()
    closed.refresh_from_db()
    assert (open_ticket.status, closed.status) == ("in_progress", "closed")
    event = TicketEvent.objects.get(ticket=open_ticket, kind="status_changed")
    assert event.actor == staff_manager
    assert open_ticket.history.first().history_user == staff_manager


def test_assign_priority_and_snooze_actions_write_events(
    staff_client, staff_manager, workspace
):
    ticket = make_ticket(workspace, assignee=None)

    _action(staff_client, "assign", [ticket], assignee=staff_manager.email)
    _action(staff_client, "set_priority", [ticket], priority="5")
    _action(staff_client, "snooze", [ticket], snooze_hours="2")

    ticket.refresh_from_db()
    assert ticket.assignee == staff_manager
    assert ticket.priority == 5
    assert ticket.snoozed_until is not None
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds == ["created", "assigned", "priority_changed", "snoozed"]


def test_export_action_streams_the_selection(staff_client, workspace):
    chosen = make_ticket(workspace, subject="=chosen")
    make_ticket(workspace, subject="not chosen")

    response = _action(staff_client, "export_csv", [chosen])

    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    assert "'=chosen" in body
    assert "not chosen" not in body


def test_import_button_leads_to_the_services_importer(staff_client):
    response = staff_client.get(reverse("admin:tickets_ticket_import"))
    assert response.status_code == 302
    assert response["Location"] == "/reports/import/"


def test_resource_exports_every_column_escaped(workspace):
    make_ticket(workspace, subject="@SUM(1)", topic="+1", tags=["-x"])

    dataset = TicketResource().export(Ticket.objects.all())
    text = CSV().export_data(dataset)

    assert dataset.headers == exporter.HEADERS
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert (row["subject"], row["topic"], row["tags"]) == ("'@SUM(1)", "'+1", "'-x")
    assert "'@SUM(1)" in text


def test_revert_goes_through_the_service_and_leaves_an_event(
    staff_client, staff_manager, workspace
):
    ticket = make_ticket(workspace, subject="Original", priority=2)
    first_version = ticket.history.earliest()
    services.ticket_update(
        ticket=ticket,
        actor=staff_manager,
        changes={"subject": "Changed", "priority": 5},
    )
    url = reverse(
        "admin:tickets_ticket_simple_history",
        args=[ticket.pk, first_version.history_id],
    )

    assert staff_client.get(url).status_code == 200
    response = staff_client.post(url, {})

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.priority) == ("Original", 2)
    event = ticket.events.get(kind=TicketEvent.Kind.REVERTED)
    assert event.actor == staff_manager
    assert event.data["fields"]["subject"] == {"old": "Changed", "new": "Original"}
    latest = ticket.history.latest()
    assert latest.history_user == staff_manager
    assert latest.history_change_reason.startswith("reverted to version of")


def test_revert_refuses_a_status_the_workflow_forbids(staff_manager, workspace):
    ticket = make_ticket(workspace, subject="Closing")
    open_version = ticket.history.earliest()
    services.ticket_change_status(ticket=ticket, to="closed", actor=staff_manager)

    from helpdesk.lib.errors import InvalidTransition

    with pytest.raises(InvalidTransition):
        services.ticket_revert(
            ticket=ticket, history_id=open_version.history_id, actor=staff_manager
        )
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert not ticket.events.filter(kind="reverted").exists()


def test_revert_to_another_tickets_version_is_refused(staff_manager, workspace):
    ticket = make_ticket(workspace, subject="Mine")
    other = make_ticket(workspace, subject="Other")

    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.ticket_revert(
            ticket=ticket,
            history_id=other.history.earliest().history_id,
            actor=staff_manager,
        )


def _queries_for(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_ticket_changelist_costs_the_same_for_1_and_20_rows(staff_client, workspace):
    make_ticket(workspace, tags=["a"])
    one = _queries_for(staff_client, reverse(CHANGELIST))
    for n in range(19):
        make_ticket(workspace, subject=f"T{n}", tags=[f"t{n}"])
    twenty = _queries_for(staff_client, reverse(CHANGELIST))
    assert one == twenty


def test_admin_export_writes_the_resource_columns_escaped_and_scoped(
    staff_client, workspace, other_workspace
):
    make_ticket(workspace, subject="=ours")
    make_ticket(other_workspace, subject="theirs")
    fields = {f"ticketresource_{name}": "on" for name in exporter.HEADERS}

    response = staff_client.post(
        reverse("admin:tickets_ticket_export"),
        {"resource": "0", "format": "0", **fields},
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert body.splitlines()[0] == ",".join(exporter.HEADERS)
    assert "'=ours" in body
    assert "theirs" not in body

"""The periodic incremental pull repairs what webhooks missed."""

from datetime import UTC, datetime, timedelta

from integrations import pull
from integrations.models import Connection, ExternalLink, SyncOp
from tests.factories import make_ticket
from tests.integrations.conftest import connect, drain_until_idle
from tickets.models import Ticket


def _edit_remotely(fake, platform, remote_id):
    if platform == "zendesk":
        fake.remote_edit(int(remote_id), status="solved", priority="urgent")
    elif platform == "gorgias":
        fake.remote_edit(int(remote_id), status="closed", priority="critical")
    else:
        fake.remote_edit(remote_id, status="done", priority=5)


def test_incremental_pull_applies_remote_changes_once(workspace, platform_fake, agent):
    connection = connect(workspace, platform_fake)
    ticket = make_ticket(workspace, agent)
    drain_until_idle()
    link = ExternalLink.objects.get()
    pull.pull_connection(connection)  # catch up with our own writes
    ops_before = SyncOp.objects.count()

    _edit_remotely(platform_fake, connection.platform, link.remote_id)
    counts = pull.pull_connection(Connection.objects.get(pk=connection.pk))

    assert counts["updated"] == 1
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == ("resolved", 5)
    assert SyncOp.objects.count() == ops_before  # no echo
    connection.refresh_from_db()
    assert connection.pull_cursor and connection.last_pulled_at
    again = pull.pull_connection(connection)
    assert again["updated"] == 0


def test_pull_imports_tickets_made_on_the_platform(workspace, zendesk):
    connection = connect(workspace, zendesk)
    zendesk.tickets[77] = {
        "id": 77,
        "subject": "Phoned in",
        "status": "pending",
        "priority": "low",
        "tags": [],
        "assignee_id": 501,
        "external_id": None,
    }
    zendesk.remote_edit(77)

    assert pull.pull_all()[connection.pk]["created"] == 1
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.status, ticket.priority) == (
        "Phoned in",
        "waiting_on_contact",
        2,
    )
    assert SyncOp.objects.count() == 0


def test_a_pull_that_fails_is_reported_and_keeps_the_cursor(workspace, kustomer):
    connection = connect(workspace, kustomer)
    kustomer.fail(401)
    assert "credentials" in pull.pull_all()[connection.pk]
    connection.refresh_from_db()
    assert connection.pull_cursor == ""


def test_older_remote_state_than_ours_is_ignored(workspace, gorgias, agent):
    connection = connect(workspace, gorgias)
    ticket = make_ticket(workspace, agent)
    drain_until_idle()
    link = ExternalLink.objects.get()
    remote = pull.adapter_for(connection).fetch(link.remote_id)
    remote.status = "resolved"
    remote.updated_at = link.remote_updated_at - timedelta(seconds=1)
    assert pull.apply_remote(connection, remote) == "stale"
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert link.remote_updated_at < datetime.now(UTC)

"""Connections: admin-only API, secrets encrypted at rest and never shown in full,
the Test connection action, the sync-status filter and the shared rate budget."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from integrations import ratelimit
from integrations.admin import ConnectionAdmin
from integrations.filters import filter_tickets_by_sync_status
from integrations.models import Connection, ExternalLink
from integrations.serializers import ExternalLinkSerializer
from tests.factories import make_ticket
from tests.integrations.conftest import CREDENTIALS, connect, drain_until_idle
from tickets.models import Ticket


def _login(client, user) -> None:
    # The factory sets the password in memory only; log in with the stored row.
    client.force_login(type(user).objects.get(pk=user.pk))


def _api(workspace) -> str:
    return f"/api/v1/workspaces/{workspace.slug}/integrations/connections/"


def test_admin_creates_a_connection_and_never_sees_the_secret_again(
    client, workspace, admin_member, zendesk
):
    _login(client, admin_member)
    answer = client.post(
        _api(workspace),
        {
            "platform": "zendesk",
            "subdomain": "acme",
            "base_url": zendesk.url,
            "credentials": CREDENTIALS["zendesk"],
            "webhook_secret": "a-very-long-webhook-secret",
        },
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    data = answer.json()
    assert "zd-token-123456789" not in answer.content.decode()
    assert data["credentials_hint"] == {
        "email": "agent@acme.test",
        "api_token": "••••6789",
    }
    assert data["webhook_url"] == (
        f"http://testserver/api/v1/workspaces/{workspace.slug}/integrations/"
        f"webhooks/{data['uuid']}/"
    )
    assert data["webhook_verification"].startswith("Signed: base64 HMAC-SHA256")

    connection = Connection.objects.get()
    assert "zd-token" not in connection.credentials_encrypted
    assert "a-very-long" not in connection.webhook_secret_encrypted
    assert connection.credentials["api_token"] == "zd-token-123456789"
    assert connection.webhook_secret == "a-very-long-webhook-secret"

    listed = client.get(_api(workspace)).json()
    assert "zd-token-123456789" not in str(listed)
    tested = client.post(f"{_api(workspace)}{data['uuid']}/test/").json()
    assert tested == {
        "ok": True,
        "message": "Connected to Zendesk as agent@acme.test (admin): push and pull "
        "allowed.",
    }


def test_unsafe_url_through_the_api_is_a_field_error(client, workspace, admin_member):
    _login(client, admin_member)
    answer = client.post(
        _api(workspace),
        {
            "platform": "gorgias",
            "base_url": "https://169.254.169.254/api",
            "credentials": CREDENTIALS["gorgias"],
        },
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert "base_url" in answer.json()["errors"]


def test_agents_and_managers_cannot_manage_connections(client, workspace, agent):
    _login(client, agent)
    assert client.get(_api(workspace)).status_code == 403


def test_another_workspaces_connections_are_not_found(
    client, workspace, other_workspace, admin_member, zendesk
):
    theirs = connect(other_workspace, zendesk)
    _login(client, admin_member)
    mine = client.get(f"{_api(workspace)}{theirs.uuid}/")
    assert (mine.status_code, mine.json()["code"]) == (404, "not_found")
    theirs_listed = client.get(_api(other_workspace))
    assert (theirs_listed.status_code, theirs_listed.json()["code"]) == (
        404,
        "not_found",
    )


def test_admin_test_connection_action_reports_each_result(
    workspace, zendesk, admin_member
):
    good = connect(workspace, zendesk)
    bad = connect(workspace, zendesk, name="Bad")
    zendesk.fail(401, on="GET /users/me")
    request = RequestFactory().post("/")
    request.user = admin_member
    shown = []
    model_admin = ConnectionAdmin(Connection, site)
    model_admin.message_user = lambda request, text, level: shown.append(text)
    model_admin.test_connection(request, Connection.objects.filter(pk__in=[bad.pk]))
    model_admin.test_connection(request, Connection.objects.filter(pk__in=[good.pk]))
    assert "refused our credentials (401)" in shown[0]
    assert "Connected to Zendesk" in shown[1]


def test_sync_status_filter_and_link_data(workspace, zendesk, agent):
    connection = connect(workspace, zendesk)
    synced = make_ticket(workspace, agent, subject="synced")
    drain_until_idle()
    pending = make_ticket(workspace, agent, subject="pending")
    failed = make_ticket(workspace, agent, subject="failed")
    ExternalLink.objects.filter(ticket=failed).update(state="error", last_error="422")
    connection.delete()
    make_ticket(workspace, agent, subject="lonely")
    connect(workspace, zendesk, push_enabled=False)

    def subjects(value):
        qs = filter_tickets_by_sync_status(Ticket.objects.all(), value)
        return sorted(qs.values_list("subject", flat=True))

    assert subjects("not_connected") == ["failed", "lonely", "pending", "synced"]
    connection = connect(workspace, zendesk)
    for ticket, state in [(synced, "synced"), (pending, "pending"), (failed, "error")]:
        ExternalLink.objects.create(
            workspace=workspace,
            connection=connection,
            ticket=ticket,
            platform="zendesk",
            remote_id="1",
            state=state,
        )
    assert subjects("synced") == ["synced"]
    assert subjects("pending") == ["pending"]
    assert subjects("error") == ["failed"]
    assert subjects("not_connected") == ["lonely"]
    data = ExternalLinkSerializer(synced.external_links.get()).data
    assert data["platform"] == "zendesk"
    assert set(data) >= {"remote_id", "remote_url", "state", "last_synced_at"}


@pytest.mark.parametrize("limit", [3, 5, 40])
def test_rate_budget_never_lets_more_than_the_limit_through_a_window(
    workspace, zendesk, limit
):
    connection = connect(workspace, zendesk, rate_limit=limit, rate_period=10)
    granted = []
    for tick in range(0, 240):
        now = tick / 8
        if not ratelimit.take(connection, lane="push", now=now):
            granted.append(now)
    for start in granted:
        assert len([t for t in granted if start <= t < start + 10]) <= limit
    assert len(granted) >= limit * 2


def test_a_member_retries_a_tickets_failed_sync(client, workspace, zendesk, agent):
    connect(workspace, zendesk)
    ticket = make_ticket(workspace, agent)
    zendesk.fail(422)
    drain_until_idle(1)
    _login(client, agent)
    url = f"/api/v1/workspaces/{workspace.slug}/tickets/{ticket.number}/sync/retry/"
    answer = client.post(url)
    assert answer.status_code == 200
    assert answer.json()["retried"] == 1
    assert answer.json()["external_links"][0]["state"] == "pending"
    drain_until_idle()
    assert ExternalLink.objects.get().state == "synced"
    assert client.post(url.replace(str(ticket.number), "999")).status_code == 404
    # The ticket's reference works as everywhere in the API.
    by_ref = url.replace(
        f"/{ticket.number}/", f"/{workspace.ticket_prefix}-{ticket.number}/"
    )
    assert client.post(by_ref).json()["retried"] == 0
    assert client.post(url.replace(str(ticket.number), "nope")).status_code == 404

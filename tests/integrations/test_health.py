"""Connection health for managers (API detail, /health/ and the integrations page)
and Test connection checking the role push and pull need (defect 11: Zendesk's
incremental export is for admins only, yet any agent's credentials passed)."""

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from integrations import outbox, ratelimit, services
from integrations.models import SyncOp
from tests.factories import make_ticket
from tests.integrations.conftest import connect
from tests.querycount import assert_same_cost

pytestmark = pytest.mark.django_db


def _login(client, user) -> None:
    client.force_login(type(user).objects.get(pk=user.pk))


def _detail(workspace, connection) -> str:
    return (
        f"/api/v1/workspaces/{workspace.slug}/integrations/connections/"
        f"{connection.uuid}/"
    )


def test_the_connection_detail_shows_its_health(
    client, workspace, zendesk, agent, admin_member, monkeypatch
):
    # The budget's clock stands still: on a loaded machine the 5 tokens spent
    # here refilled (3 s at 200 a minute) before the page was read.
    stopped = 1_800_000_000.0
    monkeypatch.setattr(
        ratelimit, "time", type("Stopped", (), {"time": lambda: stopped})
    )
    connection = connect(workspace, zendesk)
    make_ticket(workspace, agent, subject="refused")
    zendesk.fail(422, on="POST /tickets")
    outbox.drain()
    make_ticket(workspace, agent, subject="delivered")
    make_ticket(workspace, agent, subject="waiting")
    outbox.drain(max_links=1)  # the second is delivered, the third still waits
    _login(client, admin_member)

    health = client.get(_detail(workspace, connection)).json()["health"]

    assert health["state"] == "error"
    assert health["queue_depth"] == 1
    assert health["failed_changes"] == 1
    assert "422" in health["last_error"]
    assert health["last_success_at"] is not None
    assert health["push_lag_seconds"] >= 0
    assert health["pull_lag_seconds"] is None  # never pulled
    assert [
        (b["group"], b["requests"], b["per_seconds"]) for b in health["rate_budget"]
    ] == [
        ("account", 200, 60),
        ("incremental-exports", 10, 60),
        ("ticket-updates", 100, 60),
    ]
    assert 0 < health["rate_budget"][0]["in_use"] < 1
    alone = client.get(_detail(workspace, connection) + "health/").json()
    assert alone["queue_depth"] == 1


def test_health_is_for_this_workspaces_admins_only(
    client, workspace, other_workspace, zendesk, agent, admin_member
):
    connection = connect(workspace, zendesk)
    theirs = connect(other_workspace, zendesk)
    _login(client, agent)
    assert client.get(_detail(workspace, connection) + "health/").status_code == 403
    _login(client, admin_member)
    assert client.get(_detail(workspace, theirs) + "health/").status_code == 404
    assert client.get(_detail(other_workspace, theirs) + "health/").status_code == 404


def _page(client, workspace):
    return client.get(f"/w/{workspace.slug}/settings/integrations/")


def test_the_integrations_page_lists_health_at_a_fixed_cost(
    client, workspace, manager, zendesk, gorgias
):
    _login(client, manager)
    connect(workspace, zendesk, name="Support desk")
    with CaptureQueriesContext(db_connection) as one:
        answer = _page(client, workspace)
    assert answer.status_code == 200
    assert b"Support desk" in answer.content
    assert b"Not run yet" in answer.content
    for index in range(4):
        connect(workspace, gorgias, name=f"Store {index}")
    with CaptureQueriesContext(db_connection) as many:
        answer = _page(client, workspace)
    assert answer.content.count(b'<tr class="health-') == 5
    assert_same_cost(len(one), len(many), len(one))


def test_the_integrations_page_refuses_agents_and_strangers(
    client, workspace, other_workspace, agent, manager
):
    _login(client, agent)
    assert _page(client, workspace).status_code == 403
    _login(client, manager)
    assert _page(client, other_workspace).status_code == 404
    client.logout()
    assert _page(client, workspace).status_code == 302


@pytest.mark.parametrize(
    "role,pull,ok,says",
    [
        ("admin", True, True, "push and pull allowed"),
        ("agent", True, False, "pull needs the admin role"),
        ("agent", False, True, "push and pull allowed"),
        ("end-user", False, False, "push needs an agent or admin role"),
    ],
)
def test_test_connection_checks_the_role_push_and_pull_need(
    workspace, zendesk, role, pull, ok, says
):
    connection = connect(workspace, zendesk, pull_enabled=pull)
    zendesk.role = role
    worked, message = services.connection_test(connection)
    assert worked is ok
    assert says in message
    assert f"({role})" in message


@pytest.mark.parametrize("value", [-1, "abc", 2**31, 1.5, None])
def test_a_bad_first_pull_window_is_refused_naming_the_field(
    client, workspace, zendesk, admin_member, value
):
    connection = connect(workspace, zendesk, first_pull_hours=6)
    _login(client, admin_member)
    answer = client.patch(
        _detail(workspace, connection),
        {"first_pull_hours": value},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert "first_pull_hours" in answer.content.decode()
    connection.refresh_from_db()
    assert connection.first_pull_hours == 6


def test_the_admin_form_takes_an_empty_first_pull_window_as_the_default(
    client, workspace, zendesk, admin_member
):
    from integrations.admin import ConnectionForm

    form = ConnectionForm(
        data={
            "workspace": workspace.pk,
            "platform": "zendesk",
            "subdomain": "acme",
            "base_url": zendesk.url,
            "rate_limit": 0,
            "rate_period": 0,
            "first_pull_hours": "",
            "credentials_json": '{"email": "a@acme.test", "api_token": "t0ken-123456"}',
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["first_pull_hours"] == 0
    bad = ConnectionForm(data={**form.data, "first_pull_hours": "-3"})
    assert not bad.is_valid()
    assert "first_pull_hours" in bad.errors


@pytest.mark.parametrize(
    "role,push,ok,says",
    [
        ("agent", True, True, "as agent@acme.test (agent)"),
        ("observer-agent", True, False, "but push needs a user who may update"),
        ("observer-agent", False, True, "(observer-agent)"),
    ],
)
def test_gorgias_test_connection_checks_the_keys_user_may_write(
    workspace, gorgias, role, push, ok, says
):
    connection = connect(workspace, gorgias, push_enabled=push)
    gorgias.role = role
    worked, message = services.connection_test(connection)
    assert worked is ok
    assert says in message


# The roles a key made for the sync holds (developer.kustomer.com/api, each
# operation's Authorization section): the search needs a search role, reading a
# message's file attachment.read.
KUSTOMER_PUSH = [
    "org.permission.search.create",
    "org.permission.conversation.create",
    "org.permission.conversation.update",
    "org.permission.customer.read",
    "org.permission.customer.create",
    "org.permission.message.create",
    "org.permission.note.create",
    "org.permission.tag.read",
    "org.permission.tag.create",
    "org.permission.user.read",
]
KUSTOMER_PULL = [
    "org.permission.search.create",
    "org.permission.conversation.read",
    "org.permission.customer.read",
    "org.permission.tag.read",
    "org.permission.user.read",
    "org.permission.attachment.read",
]


def test_kustomer_test_connection_names_each_missing_role(workspace, kustomer):
    connection = connect(workspace, kustomer)
    worked, message = services.connection_test(connection)
    assert (worked, message) == (
        True,
        "Connected to Kustomer as helpdesk-sync: push and pull allowed.",
    )
    for role in KUSTOMER_PUSH:
        kustomer.roles = set(KUSTOMER_PUSH) - {role}
        worked, message = services.connection_test(connection)
        assert not worked
        named = message.split("push needs ")[1].split(";")[0].split(" (")[0]
        assert named == role
    kustomer.roles = {"org.permission.conversation.create"}
    _, message = services.connection_test(connection)
    assert "pull needs " + ", ".join(KUSTOMER_PULL) + " (" in message


def test_kustomer_read_only_key_may_pull_and_legacy_roles_count(workspace, kustomer):
    """Legacy roles as the reference names them: the search's is
    org.user.search.read, a message's org.user.message.write (not .create)."""
    connection = connect(workspace, kustomer, push_enabled=False)
    kustomer.roles = {
        "org.user.search.read",
        "org.user.conversation.read",
        "org.user.customer.read",
        "org.user.tag.read",
        "org.user.user.read",
        "org.user.attachment.read",
    }
    assert services.connection_test(connection)[0] is True
    kustomer.roles.discard("org.user.customer.read")
    worked, message = services.connection_test(connection)
    assert not worked
    assert "pull needs org.permission.customer.read (" in message
    # conversation.read, once taken for the search, does not allow it.
    kustomer.roles = set(KUSTOMER_PULL) - {"org.permission.search.create"}
    kustomer.roles.add("org.permission.conversation.read")
    worked, message = services.connection_test(connection)
    assert "pull needs org.permission.search.create (" in message


def test_the_kustomer_fake_refuses_what_a_missing_role_forbids(
    workspace, kustomer, agent
):
    connection = connect(workspace, kustomer, pull_enabled=False)
    kustomer.roles = set(KUSTOMER_PUSH) - {"org.permission.conversation.create"}
    make_ticket(workspace, agent, subject="Needs a role")
    result = outbox.drain()
    assert result.failed == 1
    failed = SyncOp.objects.get(connection=connection, state=SyncOp.State.FAILED)
    assert "(403)" in failed.last_error

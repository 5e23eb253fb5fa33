"""Audit on configuration: escalation rules, SLA policies (with their targets) and
calendars (with intervals and holidays), teams (with members), memberships and
connections keep a field history naming who changed what; a connection's history
never holds a secret; a workspace's staff never see another workspace's history."""

import re
import socket

import pytest
from django.db import connection as db
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from helpdesk.actors import IMPORT_ACTOR
from helpdesk.audit import stamp_history
from helpdesk.models import Team
from integrations import services as connection_services
from integrations.models import HISTORY_EXCLUDED, SECRET_FIELDS, Connection
from sla.models import Calendar, CalendarInterval, Holiday, SlaPolicy, SlaPolicyTarget
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tickets.intake import routing
from tickets.models import EscalationRule

pytestmark = pytest.mark.django_db

TOKEN = "zd-token-very-secret-4711"
WEBHOOK_SECRET = "whsec-very-secret-0815-abcdef"
FOREIGN_MARKER = "Globexmarker"


@pytest.fixture(autouse=True)
def public_dns(monkeypatch):
    """Account subdomains resolve to a public address, without a network."""

    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def staff_admin(workspace):
    """A workspace admin with back-office access (not a superuser)."""
    membership = MembershipFactory(
        workspace=workspace, role="admin", user__username="wsadmin", user__is_staff=True
    )
    membership.user.save()
    return membership.user


@pytest.fixture
def admin_client(client, staff_admin):
    client.force_login(staff_admin)
    return client


def change_form_data(response) -> dict:
    """The POST body of an admin change page as it stands (form and inlines)."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        forms.extend(inline.formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or value is False:
                continue
            data[key] = "on" if value is True else value
    return data


def post_change(client, obj, **changes):
    url = reverse(
        f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk]
    )
    page = client.get(url)
    assert page.status_code == 200
    data = change_form_data(page)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    answer = client.post(url, data)
    assert answer.status_code == 302, answer.context["errors"] if answer.context else ""
    return answer


def last_change(obj):
    """The newest history row of `obj` and the fields it changed."""
    newest, previous = obj.history.all()[:2]
    return newest, newest.diff_against(previous).changed_fields


def history_url(obj) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[obj.pk])


# --- SLA policies and calendars, with their child rows ---


def test_policy_and_target_changed_in_the_admin_are_recorded_with_the_user(
    admin_client, staff_admin, workspace
):
    policy = SlaPolicy.objects.create(workspace=workspace, name="Standard")
    target = SlaPolicyTarget.objects.create(
        policy=policy, priority=3, metric="first_response", minutes=60
    )

    post_change(admin_client, policy, name="Gold", **{"targets-0-minutes": "30"})

    version, changed = last_change(policy)
    assert (version.history_user, version.history_type, changed) == (
        staff_admin,
        "~",
        ["name"],
    )
    target_version, target_changed = last_change(target)
    assert (target_version.history_user, target_changed) == (staff_admin, ["minutes"])
    page = admin_client.get(history_url(policy))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Gold" in html and "Targets" in html
    assert "First response P3: 30 min" in html  # the target's version, shown


def test_calendar_interval_and_holiday_changes_are_recorded_with_the_user(
    admin_client, staff_admin, workspace
):
    calendar = Calendar.objects.create(workspace=workspace, name="Office")
    interval = CalendarInterval.objects.create(
        calendar=calendar, weekday=0, start_minute=540, end_minute=1020
    )
    holiday = Holiday.objects.create(
        calendar=calendar, date=timezone.localdate(), name="Founders' day"
    )

    post_change(
        admin_client,
        calendar,
        timezone="Europe/Berlin",
        **{"intervals-0-end_minute": "960", "holidays-0-DELETE": "on"},
    )

    version, changed = last_change(calendar)
    assert (version.history_user, changed) == (staff_admin, ["timezone"])
    interval_version, interval_changed = last_change(interval)
    assert (interval_version.history_user, interval_changed) == (
        staff_admin,
        ["end_minute"],
    )
    deleted = Holiday.history.filter(id=holiday.pk).latest()
    assert (deleted.history_type, deleted.history_user) == ("-", staff_admin)
    html = admin_client.get(history_url(calendar)).content.decode()
    assert "Business hours" in html and "Monday 09:00-16:00" in html
    assert "Founders&#x27; day" in html and "Deleted" in html


# --- teams and memberships ---


def test_team_members_and_fields_changed_in_the_admin_are_recorded(
    admin_client, staff_admin, workspace
):
    team = TeamFactory(workspace=workspace, name="Billing")
    newcomer = MembershipFactory(workspace=workspace, role="agent").user

    post_change(admin_client, team, name="Billing EU", members=[str(newcomer.pk)])

    versions = list(team.history.all())
    assert {v.history_user for v in versions[:-1]} == {staff_admin}
    assert versions[0].instance.name == "Billing EU"
    assert [row.user for row in versions[0].members.all()] == [newcomer]
    assert [row.user for row in versions[-1].members.all()] == []
    assert admin_client.get(history_url(team)).status_code == 200


def test_membership_role_change_is_recorded_with_the_user(
    admin_client, staff_admin, workspace
):
    membership = MembershipFactory(workspace=workspace, role="agent")

    post_change(admin_client, membership, role="manager")

    version, changed = last_change(membership)
    assert (version.history_user, changed) == (staff_admin, ["role"])
    assert admin_client.get(history_url(membership)).status_code == 200


def test_routing_moves_no_history(workspace):
    """The round-robin pointer is bookkeeping, not configuration."""
    member = MembershipFactory(workspace=workspace, role="agent").user
    team = TeamFactory(workspace=workspace, routing=Team.Routing.ROUND_ROBIN)
    team.members.add(member)
    before = Team.history.count()

    with transaction.atomic():
        assert routing.pick_assignee(team) == member

    assert Team.history.count() == before


# --- escalation rules ---


def test_rule_changes_through_the_api_are_recorded_with_the_user(manager, workspace):
    api = APIClient()
    api.force_authenticate(manager)
    base = f"/api/v1/workspaces/{workspace.slug}/escalation-rules/"

    created = api.post(base, {"name": "Refunds", "keywords": ["refund"]}, format="json")
    rule_id = created.json()["id"]
    api.patch(f"{base}{rule_id}/", {"is_active": False}, format="json")
    api.delete(f"{base}{rule_id}/")

    versions = list(EscalationRule.history.filter(id=rule_id))
    assert [(v.history_type, v.history_user) for v in versions] == [
        ("-", manager),
        ("~", manager),
        ("+", manager),
    ]
    assert versions[1].diff_against(versions[2]).changed_fields == ["is_active"]


def test_rule_changed_in_the_admin_is_recorded_with_the_user(
    admin_client, staff_admin, workspace
):
    """Every field of the form goes to the service, whose reason names them all
    (longer than simple-history's default 100-character column)."""
    rule = EscalationRule.objects.create(workspace=workspace, name="Refunds")

    post_change(admin_client, rule, name="Refund requests", priority="4")

    version, changed = last_change(rule)
    assert (version.history_user, sorted(changed)) == (
        staff_admin,
        ["name", "priority"],
    )
    assert version.history_change_reason.startswith("changed (")
    assert len(version.history_change_reason) > 100
    assert admin_client.get(history_url(rule)).status_code == 200


# --- connections: the actor, and never a secret ---


def connect(workspace, actor, **values):
    return connection_services.connection_save(
        workspace=workspace,
        actor=actor,
        values={
            "platform": "zendesk",
            "subdomain": "acme",
            "credentials": {"email": "api@acme.test", "api_token": TOKEN},
            "webhook_secret": WEBHOOK_SECRET,
            **values,
        },
    )


def test_connection_service_records_its_actor_and_what_was_set(admin_member, workspace):
    connection = connect(workspace, admin_member)
    connection = connection_services.connection_save(
        workspace=workspace,
        actor=admin_member,
        connection=connection,
        values={"push_enabled": False},
    )
    by_system = connection_services.connection_save(
        workspace=workspace,
        actor=IMPORT_ACTOR,
        connection=Connection.objects.get(pk=connection.pk),
        values={"credentials": {"email": "api@acme.test", "api_token": TOKEN * 2}},
    )

    rows = list(by_system.history.all())
    assert [(r.history_user, r.history_change_reason) for r in rows] == [
        (None, "Import: credentials set"),
        (admin_member, None),
        (admin_member, "credentials set; webhook secret set"),
    ]
    assert rows[1].diff_against(rows[2]).changed_fields == ["push_enabled"]
    assert rows[0].diff_against(rows[1]).changed_fields == []  # secrets: not kept


def test_connection_changed_in_the_admin_is_recorded_with_the_user(
    admin_client, staff_admin, workspace
):
    connection = connect(workspace, staff_admin)

    post_change(
        admin_client,
        connection,
        enabled=None,  # unticked
        new_webhook_secret="another-webhook-secret-42",
    )

    version, changed = last_change(connection)
    assert (version.history_user, changed) == (staff_admin, ["enabled"])
    assert version.history_change_reason == "webhook secret set"
    assert admin_client.get(history_url(connection)).status_code == 200


def test_connection_history_never_holds_a_secret(admin_member, workspace):
    connection = connect(workspace, admin_member)
    connection_services.connection_save(
        workspace=workspace,
        actor=admin_member,
        connection=connection,
        values={"credentials": {"email": "api@acme.test", "api_token": TOKEN + "2"}},
    )
    connection.refresh_from_db()
    stored = {connection.credentials_encrypted, connection.webhook_secret_encrypted}
    table = Connection.history.model._meta.db_table

    with db.cursor() as cursor:
        columns = [
            c.name for c in db.introspection.get_table_description(cursor, table)
        ]
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - our table's name
        rows = cursor.fetchall()

    assert not set(columns) & set(HISTORY_EXCLUDED)
    assert not [c for c in columns if "secret" in c or "credential" in c]
    assert len(rows) == 2
    values = " ".join(str(value) for row in rows for value in row)
    for secret in (TOKEN, WEBHOOK_SECRET, *stored):
        assert secret not in values
    assert set(SECRET_FIELDS) <= set(HISTORY_EXCLUDED)


# --- seen by the right people only ---


@pytest.fixture
def foreign_config(other_workspace):
    """One of each configuration row in another workspace, each with history."""
    calendar = Calendar.objects.create(workspace=other_workspace, name=FOREIGN_MARKER)
    team = TeamFactory(workspace=other_workspace, name=FOREIGN_MARKER)
    return [
        calendar,
        SlaPolicy.objects.create(
            workspace=other_workspace, name=FOREIGN_MARKER, calendar=calendar
        ),
        team,
        MembershipFactory(workspace=other_workspace, user__username=FOREIGN_MARKER),
        EscalationRule.objects.create(workspace=other_workspace, name=FOREIGN_MARKER),
        connect(other_workspace, None, name=FOREIGN_MARKER),
    ]


def test_another_workspaces_history_is_not_reachable_in_the_admin(
    admin_client, foreign_config
):
    for obj in foreign_config:
        meta = obj._meta
        version = obj.history.earliest()
        version_url = reverse(
            f"admin:{meta.app_label}_{meta.model_name}_simple_history",
            args=[obj.pk, version.history_id],
        )
        for url in (history_url(obj), version_url):
            answer = admin_client.get(url)
            assert answer.status_code in (403, 404), url
            assert FOREIGN_MARKER not in answer.content.decode(), url


def test_a_history_page_lists_only_the_staff_users_workspaces_versions(
    admin_client, workspace, other_workspace
):
    """Even a version filed under our row's id but another workspace (a row moved
    by hand in the database) stays out of our history page."""
    team = TeamFactory(workspace=workspace, name="Billing")
    Team.history.model.objects.create(
        id=team.pk,
        workspace=other_workspace,
        name=FOREIGN_MARKER,
        routing="none",
        created_at=team.created_at,
        history_date=timezone.now(),
        history_type="~",
    )

    html = admin_client.get(history_url(team)).content.decode()

    assert "Billing" in html and FOREIGN_MARKER not in html


def test_history_pages_carry_no_inline_style_or_script(admin_client, workspace):
    """The Content-Security-Policy allows neither (style-src and script-src
    'self'): simple-history's list has one style attribute, which our copy of
    the template drops."""
    policy = SlaPolicy.objects.create(workspace=workspace, name="Standard")
    SlaPolicyTarget.objects.create(
        policy=policy, priority=3, metric="resolution", minutes=600
    )
    team = TeamFactory(workspace=workspace)
    for obj in (policy, team):
        html = admin_client.get(history_url(obj)).content.decode()
        assert 'id="change-history"' in html
        assert not re.search(r"<[^>]+\sstyle=", html)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert not re.search(r"<[^>]+\son[a-z]+=", html)


# --- the actor helper ---


def test_stamp_history_names_a_user_or_a_system_actors_label():
    user, rule, other = UserFactory.build(), EscalationRule(), EscalationRule()

    stamp_history(rule, user, "moved up")
    stamp_history(other, IMPORT_ACTOR)

    assert (rule._history_user, rule._change_reason) == (user, "moved up")
    assert (other._history_user, other._change_reason) == (None, "Import")
    stamp_history(other, user)
    assert not hasattr(other, "_change_reason")

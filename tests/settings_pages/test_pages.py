"""The settings pages: who may open them (managers and admins; agents 403,
strangers 404), another workspace's objects (404), and what each list costs in
queries (1 row costs what 50 do)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpdesk.models import Membership, Team
from sla.models import Calendar, SlaPolicy
from tests.factories import MembershipFactory, TeamFactory
from tickets.intake import rules
from tickets.models import EscalationRule

pytestmark = pytest.mark.django_db

SECTIONS = ["", "rules/", "sla/", "hours/", "teams/"]


def url(section: str, slug: str = "acme") -> str:
    return f"/w/{slug}/settings/{section}"


@pytest.mark.parametrize("section", SECTIONS)
def test_managers_open_each_section_agents_get_403_strangers_404(
    client, section, agent, manager, other_workspace
):
    client.force_login(manager)
    assert client.get(url(section)).status_code == 200
    client.force_login(agent)
    assert client.get(url(section)).status_code == 403
    stranger = MembershipFactory(workspace=other_workspace, role="admin").user
    client.force_login(stranger)
    assert client.get(url(section)).status_code == 404


def test_members_page_is_for_admins(client, manager, admin_member):
    client.force_login(manager)
    assert client.get(url("members/")).status_code == 403
    client.force_login(admin_member)
    assert client.get(url("members/")).status_code == 200


def test_anonymous_is_sent_to_log_in(client, workspace):
    answer = client.get(url("rules/"))
    assert answer.status_code == 302
    assert answer["Location"].startswith("/login/")


def test_the_hub_links_every_section_of_the_role(client, manager, admin_member):
    def hub(user) -> str:
        client.force_login(user)
        page = client.get(url("")).content.decode()
        return page.split('class="settings-hub"')[1].split("</ul>")[0]

    page = hub(manager)
    for link in [
        "/w/acme/settings/rules/",
        "/w/acme/settings/sla/",
        "/w/acme/settings/hours/",
        "/w/acme/settings/teams/",
        "/w/acme/macros/",
        "/w/acme/channels/",
    ]:
        assert f'href="{link}"' in page, link
    assert 'href="/w/acme/settings/members/"' not in page
    assert 'href="/w/acme/settings/integrations/"' not in page
    page = hub(admin_member)
    assert 'href="/w/acme/settings/members/"' in page
    assert 'href="/w/acme/settings/integrations/"' in page


def test_the_sidebar_links_settings_for_managers_only(client, agent, manager):
    client.force_login(manager)
    assert b'data-nav="settings"' in client.get("/w/acme/tickets/").content
    client.force_login(agent)
    assert b'data-nav="settings"' not in client.get("/w/acme/tickets/").content


def _foreign_objects(other_workspace):
    rule = rules.escalation_rule_create(
        workspace=other_workspace, actor=None, values={"name": "Theirs"}
    )
    calendar = Calendar.objects.create(workspace=other_workspace, name="Theirs")
    policy = SlaPolicy.objects.create(workspace=other_workspace, name="Theirs")
    team = TeamFactory(workspace=other_workspace, name="Theirs")
    member = MembershipFactory(workspace=other_workspace, role="admin")
    return rule, calendar, policy, team, member


def test_another_workspaces_objects_are_404_and_unchanged(
    client, admin_member, other_workspace
):
    rule, calendar, policy, team, member = _foreign_objects(other_workspace)
    client.force_login(admin_member)
    gets = [
        f"rules/{rule.pk}/",
        f"sla/{policy.pk}/",
        f"hours/{calendar.pk}/",
        f"teams/{team.pk}/",
    ]
    for section in gets:
        assert client.get(url(section)).status_code == 404, section
    posts = {
        f"rules/{rule.pk}/": {"name": "Mine now"},
        f"rules/{rule.pk}/delete/": {},
        f"rules/{rule.pk}/move/": {"direction": "up"},
        f"sla/{policy.pk}/": {"name": "Mine now"},
        f"hours/{calendar.pk}/": {"name": "Mine now"},
        f"teams/{team.pk}/": {"name": "Mine now", "routing": "none"},
        f"teams/{team.pk}/delete/": {},
        f"members/{member.pk}/role/": {"role": "agent"},
        f"members/{member.pk}/remove/": {},
    }
    for section, data in posts.items():
        assert client.post(url(section), data).status_code == 404, section
    for row in (rule, calendar, policy, team):
        row.refresh_from_db()
        assert row.name == "Theirs"
    member.refresh_from_db()
    assert member.role == "admin"
    # Their ids in the reorder list are refused, and the order stays.
    mine = rules.escalation_rule_create(
        workspace=admin_member.memberships.get().workspace,
        actor=None,
        values={"name": "Mine"},
    )
    answer = client.post(url("rules/order/"), {"order": f"{rule.pk},{mine.pk}"})
    assert answer.status_code == 400


def _count(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def _rows(workspace, n: int, start: int) -> None:
    users = [MembershipFactory(workspace=workspace).user for _ in range(n)]
    for i in range(start, start + n):
        rules.escalation_rule_create(
            workspace=workspace,
            actor=None,
            values={"name": f"Rule {i}", "team": TeamFactory(workspace=workspace).pk},
        )
        calendar = Calendar.objects.create(workspace=workspace, name=f"Cal {i}")
        calendar.intervals.create(weekday=0, start_minute=540, end_minute=1020)
        policy = SlaPolicy.objects.create(
            workspace=workspace, name=f"Policy {i}", calendar=calendar
        )
        policy.targets.create(priority=3, metric="first_response", minutes=60)
    for team in Team.objects.filter(workspace=workspace):
        team.members.set(users)


# Pinned: session, user, membership, the shell (memberships, sidebar counts and
# pinned views), then the page's own rows and the form's choices.
PINNED = {"rules/": 9, "sla/": 11, "hours/": 7, "teams/": 9, "members/": 8}


@pytest.mark.parametrize("section", sorted(PINNED))
def test_each_list_costs_the_same_for_1_and_50_rows(
    client, section, workspace, admin_member
):
    client.force_login(admin_member)
    _rows(workspace, 1, 0)
    one = _count(client, url(section))
    _rows(workspace, 49, 1)
    assert Membership.objects.filter(workspace=workspace).count() == 51
    many = _count(client, url(section))
    assert (one, many) == (PINNED[section], PINNED[section])


# An edit page is its list with the row's form filled in: the list's cost plus
# the row itself (and, for a policy or calendar, its targets or intervals).
PINNED_EDIT = {"rules": 10, "sla": 13, "hours": 10, "teams": 11}


@pytest.mark.parametrize("section", sorted(PINNED_EDIT))
def test_each_edit_page_costs_the_same_for_1_and_50_rows(
    client, section, workspace, admin_member
):
    client.force_login(admin_member)
    _rows(workspace, 1, 0)
    model = {
        "rules": EscalationRule,
        "sla": SlaPolicy,
        "hours": Calendar,
        "teams": Team,
    }[section]
    first = model.objects.filter(workspace=workspace).order_by("pk").first()
    path = url(f"{section}/{first.pk}/")
    one = _count(client, path)
    _rows(workspace, 49, 1)
    many = _count(client, path)
    assert (one, many) == (PINNED_EDIT[section], PINNED_EDIT[section])


# The hub and the status names: the shell and the workspace, nothing per row.
PINNED_PLAIN = {"": 6, "statuses/": 6}


@pytest.mark.parametrize("section", sorted(PINNED_PLAIN))
def test_the_hub_and_statuses_cost_a_fixed_number(
    client, section, workspace, admin_member
):
    client.force_login(admin_member)
    _rows(workspace, 1, 0)
    one = _count(client, url(section))
    _rows(workspace, 49, 1)
    assert (one, _count(client, url(section))) == (
        PINNED_PLAIN[section],
        PINNED_PLAIN[section],
    )

"""A workspace admin (staff, not a superuser) cannot add anyone to a workspace by
user id in the admin: people join by invitation (helpdesk.invitations). The
membership add form answers a foreign id exactly like an id nobody has (both
refused, same body, nothing of the user shown); an existing membership's user and
the workspace's member rows cannot be pointed at another user either.

Planted bugs, watched failing, reverted: with the queryset left at every user
(before invitations), the foreign id made a membership (302 to the list); with
MembershipAdmin.has_add_permission removed (back to the role check), the add
form was open again and the test failed (the read-only user left a membership
without a user: a server error).
"""

import pytest

from helpdesk.models import Membership
from tests.factories import MembershipFactory
from tests.figures import report
from tests.security.conftest import staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss_and_stranger(client, workspace, other_workspace):
    boss = staff(
        MembershipFactory(workspace=workspace, role="admin", user__username="boss").user
    )
    stranger = MembershipFactory(
        workspace=other_workspace,
        user__username="globexbob",
        user__email="globexbob@globex.test",
    ).user
    client.force_login(boss)
    return boss, stranger


def test_a_foreign_id_answers_like_an_unknown_one(client, workspace, boss_and_stranger):
    _boss, stranger = boss_and_stranger
    before = Membership.objects.count()

    def add(user_id):
        return client.post(
            "/admin/helpdesk/membership/add/",
            {"user": str(user_id), "workspace": str(workspace.pk), "role": "agent"},
        )

    foreign, unknown = add(stranger.pk), add(99_999)

    assert foreign.status_code == unknown.status_code == 403
    assert foreign.content == unknown.content
    for answer in (foreign, unknown):
        assert b"globexbob" not in answer.content
    assert Membership.objects.count() == before
    assert not Membership.objects.filter(user=stranger, workspace=workspace).exists()
    report(
        "M1",
        {"foreign_added": 0, "same_answer": True, "leaked_names": 0},
        foreign_added=Membership.objects.filter(
            user=stranger, workspace=workspace
        ).count(),
        same_answer=foreign.content == unknown.content,
        leaked_names=sum(b"globexbob" in a.content for a in (foreign, unknown)),
    )


def test_a_membership_or_a_workspace_row_cannot_be_pointed_at_another_user(
    client, workspace, boss_and_stranger
):
    _boss, stranger = boss_and_stranger
    ann = MembershipFactory(workspace=workspace, user__username="ann")
    answer = client.post(
        f"/admin/helpdesk/membership/{ann.pk}/change/",
        {"user": str(stranger.pk), "workspace": str(workspace.pk), "role": "manager"},
    )
    assert answer.status_code == 302
    ann.refresh_from_db()
    assert (ann.user.username, ann.role) == ("ann", "manager")
    rows = list(Membership.objects.filter(workspace=workspace).order_by("pk"))
    form = {
        "name": workspace.name,
        "slug": workspace.slug,
        "ticket_prefix": workspace.ticket_prefix,
        "timezone": workspace.timezone,
        "settings": "{}",
        "memberships-TOTAL_FORMS": str(len(rows) + 1),
        "memberships-INITIAL_FORMS": str(len(rows)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        f"memberships-{len(rows)}-user": str(stranger.pk),
        f"memberships-{len(rows)}-role": "admin",
    }
    for i, row in enumerate(rows):
        form[f"memberships-{i}-id"] = str(row.pk)
        form[f"memberships-{i}-workspace"] = str(workspace.pk)
        form[f"memberships-{i}-role"] = row.role
        form[f"memberships-{i}-user"] = str(stranger.pk)
    client.post(f"/admin/helpdesk/workspace/{workspace.pk}/change/", form)
    assert not Membership.objects.filter(user=stranger, workspace=workspace).exists()
    assert sorted(
        Membership.objects.filter(workspace=workspace).values_list(
            "user__username", flat=True
        )
    ) == ["ann", "boss"]

"""A workspace admin (staff, not a superuser) cannot add another workspace's user
by id in the admin: the membership add form and the workspace's inline answer a
foreign id exactly like an id nobody has, and show nothing of that user.

Planted bug, watched failing, reverted: with the queryset left at every user
(as before), the foreign id made a membership (302 to the list).
"""

import re

import pytest

from helpdesk.models import Membership
from tests.factories import MembershipFactory
from tests.figures import report
from tests.security.conftest import staff

pytestmark = pytest.mark.django_db


def _errors(answer) -> list[str]:
    return re.findall(
        r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', answer.content.decode()
    )


def test_a_foreign_id_answers_like_an_unknown_one(client, workspace, other_workspace):
    boss = staff(
        MembershipFactory(workspace=workspace, role="admin", user__username="boss").user
    )
    stranger = MembershipFactory(
        workspace=other_workspace,
        user__username="globexbob",
        user__email="globexbob@globex.test",
    ).user
    client.force_login(boss)
    before = Membership.objects.count()

    def add(user_id):
        return client.post(
            "/admin/helpdesk/membership/add/",
            {"user": str(user_id), "workspace": str(workspace.pk), "role": "agent"},
        )

    foreign, unknown = add(stranger.pk), add(99_999)

    assert foreign.status_code == unknown.status_code == 200
    assert _errors(foreign) == _errors(unknown)
    assert "No user with this id can be added here" in " ".join(_errors(foreign))
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
        same_answer=_errors(foreign) == _errors(unknown),
        leaked_names=sum(b"globexbob" in a.content for a in (foreign, unknown)),
    )

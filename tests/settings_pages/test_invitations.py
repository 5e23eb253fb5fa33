"""Members by invitation: invite by e-mail (page and API), accept once (signed in
as the address, or with a new account), expiry and revocation enforced, roles and
removals; no surface adds an existing user by id, and a foreign user's id or
address answers exactly like an unknown one."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from helpdesk import invitations
from helpdesk.models import Invitation, Membership
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.figures import report

pytestmark = pytest.mark.django_db

API = "/api/v1/workspaces/acme/"


def _token(message) -> str:
    return re.search(r"/invitations/([\w-]+)/", message.body).group(1)


def _invite(client, email="new@example.com", role="manager"):
    return client.post("/w/acme/settings/members/", {"email": email, "role": role})


def test_an_invitation_is_mailed_and_accepted_once_with_a_new_account(
    client, admin_member, django_capture_on_commit_callbacks
):
    client.force_login(admin_member)
    with django_capture_on_commit_callbacks(execute=True):
        assert _invite(client).status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.com"]
    token = _token(mail.outbox[0])
    invitation = Invitation.objects.get()
    assert token not in invitation.token_hash  # only the hash is stored
    client.logout()
    page = client.get(f"/invitations/{token}/")
    assert b"Join Acme" in page.content and b"Create account" in page.content
    weak = client.post(
        f"/invitations/{token}/",
        {"username": "newbie", "password1": "123", "password2": "123"},
    )
    assert weak.status_code == 400
    assert not get_user_model().objects.filter(username="newbie").exists()
    answer = client.post(
        f"/invitations/{token}/",
        {
            "username": "newbie",
            "first_name": "New Bie",
            "password1": "a long and odd passphrase 42",
            "password2": "a long and odd passphrase 42",
        },
    )
    assert answer.status_code == 302
    assert answer["Location"] == "/w/acme/tickets/"
    member = Membership.objects.get(user__username="newbie")
    assert (member.role, member.user.email) == ("manager", "new@example.com")
    assert client.get("/w/acme/tickets/").status_code == 200  # signed in
    again = client.post(f"/invitations/{token}/")
    assert again.status_code == 404
    assert invitations.INVALID_LINK.encode() in again.content
    assert Membership.objects.filter(workspace__slug="acme").count() == 2
    report(
        "M3",
        {"joined": 1, "second_use_joined": 0},
        invitations_sent=1,
        joined=Membership.objects.filter(user__username="newbie").count(),
        second_use_joined=Membership.objects.filter(workspace__slug="acme").count() - 2,
    )


def _pending(workspace, email="ann@example.com", **fields):
    invitation, token = invitations.invitation_create(
        workspace=workspace, email=email, role="agent", inviter=None
    )
    Invitation.objects.filter(pk=invitation.pk).update(**fields)
    return token


def test_a_signed_in_user_accepts_only_with_the_invited_address(client, workspace):
    ann = UserFactory(username="ann", email="Ann@Example.com")
    eve = UserFactory(username="eve", email="eve@example.com")
    token = _pending(workspace)
    client.force_login(eve)
    answer = client.post(f"/invitations/{token}/")
    assert answer.status_code == 400
    assert b"sign in with that address" in answer.content
    assert not Membership.objects.filter(user=eve).exists()
    client.force_login(ann)
    assert client.post(f"/invitations/{token}/").status_code == 302
    assert Membership.objects.get(user=ann).role == "agent"


def test_an_account_with_the_address_must_log_in_rather_than_make_another(
    client, workspace
):
    UserFactory(username="ann", email="ann@example.com")
    token = _pending(workspace)
    page = client.get(f"/invitations/{token}/")
    assert b"Log in to accept" in page.content
    answer = client.post(
        f"/invitations/{token}/",
        {
            "username": "ann2",
            "password1": "a long odd pass 42",
            "password2": "a long odd pass 42",
        },
    )
    assert answer.status_code == 400
    assert not get_user_model().objects.filter(username="ann2").exists()


def test_expired_revoked_and_unknown_links_join_nobody_alike(client, workspace):
    ann = UserFactory(username="ann", email="ann@example.com")
    client.force_login(ann)
    expired = _pending(workspace, email="ann@example.com")
    with time_machine.travel(timezone.now() + timedelta(days=7, seconds=1)):
        late = client.post(f"/invitations/{expired}/")
    token = _pending(workspace)
    invitations.invitation_revoke(invitation=Invitation.objects.get(revoked_at=None))
    revoked = client.post(f"/invitations/{token}/")
    unknown = client.post("/invitations/not-a-token/")
    for answer in (late, revoked, unknown):
        assert answer.status_code == 404
        assert invitations.INVALID_LINK.encode() in answer.content
    assert not Membership.objects.filter(user=ann).exists()


def test_admins_change_roles_remove_members_and_keep_one_admin(
    client, workspace, admin_member
):
    ann = MembershipFactory(workspace=workspace, user__username="ann", role="agent")
    team = TeamFactory(workspace=workspace)
    team.members.add(ann.user)
    client.force_login(admin_member)
    client.post(f"/w/acme/settings/members/{ann.pk}/role/", {"role": "manager"})
    ann.refresh_from_db()
    assert ann.role == "manager"
    assert (
        client.post(
            f"/w/acme/settings/members/{ann.pk}/role/", {"role": "owner"}
        ).status_code
        == 422
    )
    boss = Membership.objects.get(user=admin_member)
    last = client.post(f"/w/acme/settings/members/{boss.pk}/role/", {"role": "agent"})
    assert last.status_code == 422
    assert b"at least one admin" in last.content
    boss.refresh_from_db()
    assert boss.role == "admin"
    client.post(f"/w/acme/settings/members/{ann.pk}/remove/")
    assert not Membership.objects.filter(pk=ann.pk).exists()
    assert not team.members.exists()
    page = client.get("/w/acme/settings/members/?q=bo").content.decode()
    assert 'data-member="boss"' in page


def test_a_bad_invitation_is_a_form_error(client, admin_member):
    client.force_login(admin_member)
    for data, message in [
        ({"email": "not-an-address", "role": "agent"}, b"Enter a valid email address."),
        ({"email": "x@example.com", "role": "owner"}, b"Select a valid choice."),
        ({"email": admin_member.email, "role": "agent"}, b"already a member here"),
    ]:
        answer = client.post("/w/acme/settings/members/", data)
        assert answer.status_code == 422
        assert message in answer.content
    assert not Invitation.objects.exists()


# --- the API ---


def test_api_invitations_list_create_revoke(
    client, admin_member, agent, django_capture_on_commit_callbacks
):
    client.force_login(admin_member)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            API + "invitations/",
            {"email": "new@example.com", "role": "agent"},
            content_type="application/json",
        )
    assert created.status_code == 201
    body = created.json()
    assert (body["email"], body["role"], body["state"], body["inviter"]) == (
        "new@example.com",
        "agent",
        "pending",
        "boss",
    )
    assert "token" not in body and len(mail.outbox) == 1
    listed = client.get(API + "invitations/").json()
    assert [row["email"] for row in listed] == ["new@example.com"]
    assert client.delete(API + f"invitations/{body['id']}/").status_code == 204
    assert client.get(API + "invitations/").json()[0]["state"] == "revoked"
    bad = client.post(
        API + "invitations/",
        {"email": "x@example.com", "role": "agent", "user": 3},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["errors"] == {"user": ["Unknown field."]}
    client.force_login(agent)
    assert client.get(API + "invitations/").status_code == 403


def _without(body: dict, *keys) -> dict:
    return {k: v for k, v in body.items() if k not in keys}


def test_api_a_foreign_user_answers_exactly_like_an_unknown_one(
    client, admin_member, other_workspace
):
    stranger = MembershipFactory(
        workspace=other_workspace,
        user__username="globexbob",
        user__email="bob@globex.test",
    ).user
    theirs, _ = invitations.invitation_create(
        workspace=other_workspace, email="x@globex.test", role="agent", inviter=None
    )
    client.force_login(admin_member)
    # No endpoint adds a user by id: the members list is read-only.
    by_id = [
        client.post(
            API + "members/",
            {"user": uid, "role": "agent"},
            content_type="application/json",
        )
        for uid in (stranger.pk, 99_999)
    ]
    assert by_id[0].status_code == by_id[1].status_code == 405
    assert by_id[0].content == by_id[1].content
    # Inviting a foreign user's address is answered like any unknown address.
    by_mail = [
        client.post(
            API + "invitations/",
            {"email": e, "role": "agent"},
            content_type="application/json",
        )
        for e in ("bob@globex.test", "nobody@nowhere.test")
    ]
    assert by_mail[0].status_code == by_mail[1].status_code == 201
    volatile = ("id", "email", "created_at", "expires_at")
    assert _without(by_mail[0].json(), *volatile) == _without(
        by_mail[1].json(), *volatile
    )
    assert b"globexbob" not in by_mail[0].content
    # Another workspace's invitation is 404 like one that does not exist.
    foreign, unknown = (
        client.delete(API + f"invitations/{pk}/") for pk in (theirs.pk, 99_999)
    )
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.content == unknown.content
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert not Membership.objects.filter(user=stranger, workspace__slug="acme").exists()
    report(
        "M4",
        {"foreign_added": 0, "same_answer_by_id": True},
        foreign_added=Membership.objects.filter(
            user=stranger, workspace__slug="acme"
        ).count(),
        same_answer_by_id=foreign.content == unknown.content,
        same_answer_by_email=True,
    )

"""The back office for inbound mail: mailboxes keep the IMAP password encrypted and
write-only, bad input is a form error, another workspace's rows are not there."""

import pytest
from django.contrib.auth import get_user_model

from integrations import crypto
from messaging.inbound.service import Envelope, inbound_email_receive
from messaging.models import InboundMailbox
from tests.factories import MembershipFactory
from tests.messaging.conftest import mail

pytestmark = pytest.mark.django_db

ADD = "/admin/messaging/inboundmailbox/add/"


@pytest.fixture
def admin_client(client, workspace):
    user = get_user_model().objects.create_user("boss", "boss@x.test", "pw")
    user.is_staff = True
    user.save()
    MembershipFactory(workspace=workspace, user=user, role="admin")
    client.force_login(user)
    return client


def form(workspace, **fields):
    return {
        "workspace": workspace.pk,
        "address": "Support@Acme.test",
        "is_active": "on",
        "imap_host": "imap.acme.test",
        "imap_port": 993,
        "imap_security": "ssl",
        "imap_username": "support",
        "imap_folder": "INBOX",
        "new_imap_password": "imap-pass-123",
    } | fields


def test_add_stores_the_password_encrypted(admin_client, workspace):
    answer = admin_client.post(ADD, form(workspace))

    assert answer.status_code == 302, answer.content.decode()[:3000]
    mailbox = InboundMailbox.objects.get()
    assert "imap-pass-123" not in mailbox.imap_password
    assert crypto.decrypt(mailbox.imap_password) == "imap-pass-123"
    page = admin_client.get(f"/admin/messaging/inboundmailbox/{mailbox.pk}/change/")
    assert page.status_code == 200
    assert "imap-pass-123" not in page.content.decode()


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"imap_security": "none"}, "imap_security", "plain IMAP only on loopback"),
        ({"imap_port": 70000}, "imap_port", "A TCP port: 1 to 65535."),
        ({"new_imap_password": ""}, "new_imap_password", "Give the IMAP password."),
        ({"imap_username": ""}, "imap_username", "Give the IMAP user name."),
        ({"address": "not an address"}, "address", "Enter a valid email address."),
    ],
    ids=["clear-text-remote", "port", "no-password", "no-user", "address"],
)
def test_bad_input_is_a_form_error(admin_client, workspace, fields, field, error):
    answer = admin_client.post(ADD, form(workspace, **fields))

    assert answer.status_code == 200
    assert error in " ".join(answer.context["adminform"].form.errors[field])
    assert not InboundMailbox.objects.exists()


def test_an_address_taken_in_any_case_is_a_form_error(
    admin_client, workspace, other_workspace
):
    InboundMailbox.objects.create(
        workspace=other_workspace, address="support@acme.test"
    )

    answer = admin_client.post(ADD, form(workspace))

    assert answer.status_code == 200
    assert InboundMailbox.objects.count() == 1


def test_another_workspaces_rows_are_not_shown(admin_client, other_workspace):
    other = InboundMailbox.objects.create(
        workspace=other_workspace, address="help@globex.test"
    )
    record = inbound_email_receive(
        raw=mail(to="help@globex.test"), envelope=Envelope(source="imap")
    )

    assert admin_client.get("/admin/messaging/inboundmailbox/").status_code == 200
    assert admin_client.get("/admin/messaging/inboundemail/").status_code == 200
    for url in [
        f"/admin/messaging/inboundmailbox/{other.pk}/change/",
        f"/admin/messaging/inboundemail/{record.pk}/change/",
    ]:
        assert admin_client.get(url).status_code in (302, 404), url

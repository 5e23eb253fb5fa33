"""Attachments on replies and notes: stored through the storage API, checked for size,
sniffed type and by the scan hook before anything is written, served to members of
the workspace only."""

import hashlib

import pytest
from django.urls import reverse
from storages.backends.s3 import S3Storage

from helpdesk.lib.env import env_storage
from tests.api.conftest import client_for
from tests.composer.conftest import EXE, PDF, PNG, upload
from tests.factories import ConversationFactory, MembershipFactory, make_ticket
from tickets import services
from tickets.attachments import AttachmentRefused
from tickets.models import Attachment, Comment, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(workspace, agent):
    return make_ticket(workspace, subject="Where is my refund?")


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client


def comment_url(ticket):
    return reverse("tickets:comment", args=["acme", ticket.number])


def post_files(client, ticket, *files, body="See attached.", **extra):
    return client.post(
        comment_url(ticket),
        {"body": body, "visibility": "internal", "attachments": list(files), **extra},
        HTTP_HX_REQUEST="true",
    )


def refuse_eicar(*, name, content_type, file):
    """A scan hook that refuses the EICAR test string, as a virus scanner does."""
    if b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE" in file.read():
        raise AttachmentRefused(f"{name} contains the EICAR test virus.")


def test_files_on_a_note_download_with_the_same_bytes(client_agent, ticket, agent):
    response = post_files(
        client_agent,
        ticket,
        upload("screen shot.png", PNG, "image/png"),
        upload("invoice.pdf", PDF, "application/pdf"),
        upload("notes.txt", "Grüße\nline two\n".encode()),
    )
    assert response.status_code == 200
    comment = Comment.objects.get(ticket=ticket)
    rows = {a.original_name: a for a in comment.attachments.all()}
    assert sorted(rows) == ["invoice.pdf", "notes.txt", "screen shot.png"]
    assert rows["screen shot.png"].content_type == "image/png"
    assert rows["invoice.pdf"].content_type == "application/pdf"
    assert rows["notes.txt"].content_type == "text/plain"
    assert rows["invoice.pdf"].size == len(PDF)
    assert rows["invoice.pdf"].sha256 == hashlib.sha256(PDF).hexdigest()
    assert rows["invoice.pdf"].uploaded_by == agent
    # The stored name is not the uploader's: workspace, month and the key.
    assert "invoice" not in rows["invoice.pdf"].file.name
    assert rows["invoice.pdf"].file.name.startswith(
        f"attachments/{ticket.workspace_id}/"
    )

    download = client_agent.get(
        reverse("tickets:attachment", args=["acme", rows["invoice.pdf"].key])
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="invoice.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]

    preview = client_agent.get(
        reverse(
            "tickets:attachment_preview", args=["acme", rows["screen shot.png"].key]
        )
    )
    assert preview.status_code == 200
    assert b"".join(preview.streaming_content) == PNG
    assert preview["Content-Disposition"].startswith("inline")
    # Only raster images are previewed inline; a PDF is always a download.
    assert (
        client_agent.get(
            reverse(
                "tickets:attachment_preview", args=["acme", rows["invoice.pdf"].key]
            )
        ).status_code
        == 404
    )
    # The thread lists them, the image as a thumbnail.
    panel = client_agent.get(
        reverse("tickets:detail", args=["acme", ticket.number]) + "?tab=conversation",
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert f'src="/w/acme/attachments/{rows["screen shot.png"].key}/preview/"' in panel
    assert "invoice.pdf" in panel


def test_a_30_mb_file_is_refused_and_nothing_is_written(
    client_agent, ticket, stored_files
):
    big = upload("backup.pdf", b"%PDF-1.4\n" + b"0" * (30 * 1024 * 1024))
    response = post_files(
        client_agent, ticket, upload("ok.png", PNG), big, body="Two files"
    )
    assert response.status_code == 422
    assert "backup.pdf is 30.0 MB; the limit is 25.0 MB." in response.content.decode()
    assert Comment.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert stored_files() == []


@pytest.mark.parametrize(
    "name,data,sniffed",
    [
        ("invoice.pdf", EXE, "application/x-msdownload"),
        ("notes.txt", b"<!doctype html><script>alert(1)</script>", "text/html"),
        (
            "logo.png",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>',
            "text/html",
        ),
    ],
)
def test_a_disallowed_type_is_refused_by_its_content_not_its_name(
    client_agent, ticket, stored_files, name, data, sniffed
):
    response = post_files(client_agent, ticket, upload(name, data, "image/png"))
    assert response.status_code == 422
    assert (
        f"{name} is a file of type {sniffed}, which may not be attached."
        in response.content.decode()
    )
    assert Comment.objects.count() == 0
    assert stored_files() == []


def test_the_scan_hook_refuses_with_its_reason(
    client_agent, ticket, stored_files, settings
):
    settings.ATTACHMENTS_SCANNER = "tests.composer.test_attachments.refuse_eicar"
    eicar = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    response = post_files(client_agent, ticket, upload("eicar.txt", eicar))
    assert response.status_code == 422
    assert "eicar.txt contains the EICAR test virus." in response.content.decode()
    assert Comment.objects.count() == 0
    assert stored_files() == []
    # A clean file passes the same hook.
    assert (
        post_files(client_agent, ticket, upload("a.txt", b"hello")).status_code == 200
    )
    assert Attachment.objects.get().original_name == "a.txt"


def scanner_down(*, name, content_type, file):
    """A scan hook whose scanner cannot be reached."""
    raise ConnectionRefusedError("clamd on 127.0.0.1:3310")


def test_a_scan_hook_that_fails_refuses_the_file(
    client_agent, ticket, stored_files, settings, caplog
):
    settings.ATTACHMENTS_SCANNER = "tests.composer.test_attachments.scanner_down"
    response = post_files(client_agent, ticket, upload("a.txt", b"hello"))
    assert response.status_code == 422
    assert (
        "a.txt could not be checked for viruses just now; try again later."
        in response.content.decode()
    )
    assert "clamd on 127.0.0.1:3310" in caplog.text
    assert Comment.objects.count() == 0
    assert stored_files() == []


def test_another_workspace_gets_404_on_the_file(client, ticket, agent, other_workspace):
    comment = services.comment_add(
        ticket=ticket,
        actor=agent,
        body="x",
        attachments=[upload("invoice.pdf", PDF)],
    )
    key = comment.attachments.get().key
    stranger = MembershipFactory(workspace=other_workspace, role="admin").user
    client.force_login(stranger)
    for slug in ("acme", "globex"):
        for name in ("tickets:attachment", "tickets:attachment_preview"):
            assert client.get(reverse(name, args=[slug, key])).status_code == 404
    api = client_for(stranger)
    for slug in ("acme", "globex"):
        url = f"/api/v1/workspaces/{slug}/attachments/{key}/"
        assert api.get(url).status_code == 404
    client.logout()
    anonymous = client.get(reverse("tickets:attachment", args=["acme", key]))
    assert anonymous.status_code == 302


def test_a_public_reply_carries_its_files_into_the_transcript(workspace, agent):
    conversation = ConversationFactory(workspace=workspace)
    ticket = make_ticket(workspace, primary_conversation=conversation)
    services.comment_add(
        ticket=ticket,
        actor=agent,
        body="Here is the label.",
        is_public=True,
        attachments=[upload("label.png", PNG)],
    )
    message = Message.objects.get(conversation=conversation, author_kind="agent")
    attachment = Attachment.objects.get()
    assert attachment.message == message
    assert attachment.comment.body == "Here is the label."


def test_too_many_files_are_refused(ticket, agent, stored_files):
    files = [upload(f"{n}.txt", b"x") for n in range(11)]
    with pytest.raises(Exception) as exc:
        services.comment_add(ticket=ticket, actor=agent, body="x", attachments=files)
    assert exc.value.message_dict == {
        "attachments": ["At most 10 files at once (got 11)."]
    }
    assert stored_files() == []


def test_api_comment_with_files_and_download(workspace, agent, ticket):
    api = client_for(agent)
    response = api.post(
        f"/api/v1/workspaces/acme/tickets/{ticket.number}/comments/",
        {"body": "Logs attached", "files": [upload("log.txt", b"line 1\nline 2\n")]},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    (item,) = response.json()["attachments"]
    assert item["name"] == "log.txt"
    assert item["content_type"] == "text/plain"
    assert item["size"] == 14
    assert item["url"] == f"/api/v1/workspaces/acme/attachments/{item['id']}/"
    download = api.get(item["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"line 1\nline 2\n"
    listed = api.get(f"/api/v1/workspaces/acme/tickets/{ticket.number}/comments/")
    assert listed.json()["results"][0]["attachments"][0]["id"] == item["id"]

    refused = api.post(
        f"/api/v1/workspaces/acme/tickets/{ticket.number}/comments/",
        {"body": "exe", "files": [upload("setup.pdf", EXE)]},
        format="multipart",
    )
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "attachments": [
            "setup.pdf is a file of type application/x-msdownload, "
            "which may not be attached."
        ]
    }


def test_an_s3_bucket_is_configured_from_the_environment(monkeypatch):
    assert env_storage("ATTACHMENTS_S3_") == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }
    monkeypatch.setenv("ATTACHMENTS_S3_BUCKET", "helpdesk-files")
    monkeypatch.setenv("ATTACHMENTS_S3_ENDPOINT_URL", "http://127.0.0.1:9000")
    config = env_storage("ATTACHMENTS_S3_")
    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    storage = S3Storage(**config["OPTIONS"])
    assert storage.bucket_name == "helpdesk-files"
    assert storage.endpoint_url == "http://127.0.0.1:9000"
    assert storage.default_acl == "private"
    assert storage.file_overwrite is False

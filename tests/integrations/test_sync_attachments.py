"""Attachments both ways against the strict fakes: a pulled comment's files are
downloaded (size and type limits, the URL guard, our credentials only to the API's
host) and stored like uploads; our comment's files are uploaded the way each
platform documents it (Zendesk upload tokens, Gorgias POST /upload, Kustomer
attachment records and their presigned S3 form)."""

from django.core.files.base import ContentFile

from integrations import pull
from integrations.models import Connection, ExternalLink
from tests.factories import make_ticket
from tests.integrations.conftest import connect, drain_until_idle
from tickets import services
from tickets.models import Comment

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
HTML = b"<html><script>alert(1)</script></html>"


def _pull(connection):
    connection = Connection.objects.get(pk=connection.pk)
    if connection.platform == "gorgias" and not connection.pull_cursor:
        connection.pull_cursor = "2000-01-01T00:00:00+00:00"
    return pull.pull_connection(connection)


def _linked(workspace, fake, agent):
    connection = connect(workspace, fake)
    ticket = make_ticket(workspace, agent)
    drain_until_idle()
    return connection, ticket, ExternalLink.objects.get(ticket=ticket)


def _files(comment: Comment) -> list[tuple[str, str, bytes]]:
    return [
        (a.original_name, a.content_type, a.file.open("rb").read())
        for a in comment.attachments.order_by("id")
    ]


def test_zendesk_comment_files_are_downloaded_and_stored(workspace, zendesk, agent):
    connection, ticket, link = _linked(workspace, zendesk, agent)
    zendesk.remote_comment(
        int(link.remote_id),
        "Invoice and page attached",
        author_id=503,
        files=[("invoice.pdf", PDF), ("page.html", HTML)],
    )
    _pull(connection)
    comment = Comment.objects.get(ticket=ticket)
    assert _files(comment) == [("invoice.pdf", "application/pdf", PDF)]
    assert comment.body == (
        "Invoice and page attached\n\n[File not copied: page.html is a file of "
        "type text/html, which may not be attached.]"
    )


def test_a_file_over_the_size_limit_is_not_downloaded_whole(
    workspace, zendesk, agent, settings
):
    settings.ATTACHMENTS_MAX_BYTES = 20
    connection, ticket, link = _linked(workspace, zendesk, agent)
    zendesk.remote_comment(int(link.remote_id), "Big", files=[("big.pdf", PDF)])
    _pull(connection)
    comment = Comment.objects.get(ticket=ticket)
    assert _files(comment) == []
    assert comment.body == "Big\n\n[File not copied: big.pdf is over the size limit.]"
    # Zendesk said how big it was: it was never fetched.
    assert zendesk.requests_matching("GET", "/attachments/") == []


def test_a_file_bigger_than_it_said_is_cut_off_at_the_limit(
    workspace, gorgias, agent, settings
):
    settings.ATTACHMENTS_MAX_BYTES = 20
    connection, ticket, link = _linked(workspace, gorgias, agent)
    made = gorgias.remote_message(int(link.remote_id), "Big", files=[("b.pdf", PDF)])
    made["attachments"][0]["size"] = "3"  # the platform's word, wrong
    _pull(connection)
    comment = Comment.objects.get(ticket=ticket)
    assert _files(comment) == []
    assert comment.body == "Big\n\n[File not copied: b.pdf is over the size limit.]"


def test_file_urls_off_the_platform_are_never_fetched(workspace, gorgias, agent):
    connection, ticket, link = _linked(workspace, gorgias, agent)
    message = gorgias.remote_message(int(link.remote_id), "See files")
    message["attachments"] = [
        {"url": "https://169.254.169.254/latest/meta-data/a.txt", "name": "a.txt"},
        {"url": "https://attacker.example.com/b.txt", "name": "b.txt"},
        {"url": "http://acme.gorgias.io/c.txt", "name": "c.txt"},
    ]
    _pull(connection)
    comment = Comment.objects.get(ticket=ticket)
    assert _files(comment) == []
    assert comment.body.splitlines()[2:] == [
        "[File not copied: 169.254.169.254 is a private IP address; give a host name.]",
        "[File not copied: attacker.example.com is not on gorgias.com.]",
        "[File not copied: Only https URLs are allowed, not http://.]",
    ]


def test_gorgias_message_files_are_stored(workspace, gorgias, agent):
    connection, ticket, link = _linked(workspace, gorgias, agent)
    gorgias.remote_message(int(link.remote_id), "Receipt", files=[("receipt.pdf", PDF)])
    _pull(connection)
    comment = Comment.objects.get(ticket=ticket)
    assert _files(comment) == [("receipt.pdf", "application/pdf", PDF)]


def test_kustomer_message_files_are_fetched_through_their_signed_url(
    workspace, kustomer, agent
):
    """Each file of a pulled message: its record asked for by message and
    attachment id, then its bytes from the signed S3 URL that record links
    (links.related), without our API key."""
    connection, ticket, link = _linked(workspace, kustomer, agent)
    files = [
        kustomer.remote_file("invoice.pdf", PDF, "application/pdf"),
        kustomer.remote_file("page.html", HTML, "text/html"),
    ]
    message = kustomer.remote_item(
        "message", link.remote_id, "Invoice attached", direction="in", attachments=files
    )
    _pull(connection)
    comment = Comment.objects.get(ticket=ticket)
    assert _files(comment) == [("invoice.pdf", "application/pdf", PDF)]
    assert comment.body == (
        "Invoice attached\n\n[File not copied: page.html is a file of type "
        "text/html, which may not be attached.]"
    )
    asked = kustomer.requests_matching("GET", f"/v1/messages/{message['id']}/")
    assert [r["path"].rsplit("/", 1)[1] for r in asked] == [f["_id"] for f in files]
    downloads = kustomer.requests_matching("GET", "/s3-files")
    assert len(downloads) == 2
    assert all("Authorization" not in d["headers"] for d in downloads)


def test_our_credentials_go_only_to_the_api_host(workspace, zendesk, agent):
    connection, ticket, link = _linked(workspace, zendesk, agent)
    made = zendesk.remote_comment(int(link.remote_id), "x", files=[("a.pdf", PDF)])
    # The same fake under another name: a file hosted off the API's host.
    made["attachments"][0]["content_url"] = made["attachments"][0][
        "content_url"
    ].replace("127.0.0.1", "localhost")
    _pull(connection)
    (fetch,) = zendesk.requests_matching("GET", "/attachments/token/")
    assert "Authorization" not in fetch["headers"]
    # Zendesk (this fake) refuses it without credentials: named, not stored.
    assert Comment.objects.get(ticket=ticket).body.endswith(
        "[File not copied: a.pdf could not be fetched (401).]"
    )


def _comment_with_file(ticket, agent, public=True):
    return services.comment_add(
        ticket=ticket,
        actor=agent,
        body="Form attached",
        is_public=public,
        attachments=[("form.pdf", ContentFile(PDF, name="form.pdf"), len(PDF))],
    )


def test_our_files_go_to_zendesk_as_upload_tokens(workspace, zendesk, agent):
    _, ticket, link = _linked(workspace, zendesk, agent)
    _comment_with_file(ticket, agent)
    drain_until_idle()
    (upload,) = zendesk.requests_matching("POST", "/uploads")
    assert (upload["query"], upload["headers"]["Content-Type"], upload["body"]) == (
        {"filename": "form.pdf"},
        "application/binary",
        PDF,
    )
    sent = zendesk.comments[int(link.remote_id)][-1]
    assert [(a["file_name"], a["size"]) for a in sent["attachments"]] == [
        ("form.pdf", len(PDF))
    ]


def test_our_files_go_to_gorgias_through_its_upload(workspace, gorgias, agent):
    _, ticket, link = _linked(workspace, gorgias, agent)
    _comment_with_file(ticket, agent, public=False)
    drain_until_idle()
    (upload,) = gorgias.requests_matching("POST", "/upload")
    assert upload["headers"]["Content-Type"].startswith("multipart/form-data")
    sent = gorgias.messages[int(link.remote_id)][-1]
    assert (sent["channel"], sent["body_text"]) == ("internal-note", "Form attached")
    (attached,) = sent["attachments"]
    assert attached["name"] == "form.pdf"
    key = attached["url"].rsplit("/files/", 1)[1]
    assert gorgias.files[key] == PDF


def test_our_files_go_to_kustomer_through_the_presigned_form(
    workspace, kustomer, agent
):
    _, ticket, link = _linked(workspace, kustomer, agent)
    _comment_with_file(ticket, agent)
    drain_until_idle()
    (record,) = kustomer.attachments.values()
    attributes = record["data"]["attributes"]
    assert [attributes[k] for k in ("name", "contentType", "contentLength")] == [
        "form.pdf",
        "application/pdf",
        len(PDF),
    ]
    assert attributes["uploaded"] is True
    assert record["bytes"] == PDF
    (form,) = kustomer.requests_matching("POST", "/s3-attachments")
    assert "Authorization" not in form["headers"]  # the form's policy, no key
    message = kustomer.timeline[link.remote_id][-1]
    assert message["attributes"]["attachments"] == [
        {
            "_id": record["data"]["id"],
            "name": "form.pdf",
            "contentType": "application/pdf",
            "contentLength": len(PDF),
        }
    ]

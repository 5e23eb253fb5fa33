"""The composer in Chromium: a macro with placeholders inserted into the reply box and
applied with it; a file attached, previewed and downloaded; another workspace's
agent gets 404 on the file. `SCREENSHOTS_DIR=docs/screenshots` refreshes the
README's picture of the composer with a macro."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from helpdesk.models import Membership
from tests.composer.conftest import PNG
from tests.factories import (
    ContactFactory,
    MembershipFactory,
    WorkspaceFactory,
    make_ticket,
)
from tickets import services
from tickets.models import Attachment

pytestmark = pytest.mark.e2e


@pytest.fixture
def ticket(team):
    requester = ContactFactory(
        workspace=team["workspace"], name="Dana Scully", email="dana@example.com"
    )
    return make_ticket(
        team["workspace"], subject="Refund for order 1142", requester=requester
    )


def open_comments(page, live_server, ticket):
    page.goto(f"{live_server.url}/w/acme/tickets/{ticket.number}/?tab=conversation")
    expect(page.locator("#comment-body")).to_be_visible()


def test_a_macro_is_inserted_with_its_placeholders_and_applied(
    page_as, live_server, team, ticket, tmp_path
):
    manager = Membership.objects.get(user=team["manager"])
    services.macro_create(
        actor=manager,
        personal=False,
        name="Refund sent",
        body="Hi {{ requester.first_name }}, the refund for {{ ticket.ref }} "
        "is on its way.\n\n{{ agent.name }}",
        set_status="resolved",
        set_priority=4,
        add_tags=["refund"],
        set_assignee=team["agent"],
    )
    page = page_as(team["agent"])
    open_comments(page, live_server, ticket)
    page.select_option(".macro-pick", label="Refund sent")
    expect(page.locator("#comment-body")).to_have_value(
        "Hi Dana, the refund for TKT-1 is on its way.\n\nAlex Agent"
    )
    expect(page.locator(".macro-apply input[name=macro]")).to_be_checked()
    expect(page.locator(".macro-apply")).to_contain_text("Resolved")
    out = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    page.locator("#panel").screenshot(path=out / "composer-macro.png")

    page.check("input[name=visibility][value=public]")
    page.click("#composer-send")
    expect(page.locator("#thread .comment .prose").last).to_contain_text(
        "Hi Dana, the refund for TKT-1 is on its way."
    )
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    assert ticket.priority == 4
    assert ticket.assignee == team["agent"]
    assert list(ticket.tags.values_list("name", flat=True)) == ["refund"]


def test_a_file_is_attached_previewed_and_downloaded(
    page_as, live_server, team, ticket, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    page = page_as(team["agent"])
    open_comments(page, live_server, ticket)
    page.fill("#comment-body", "The label is attached.")
    page.set_input_files(
        "input[name=attachments]",
        files=[{"name": "label.png", "mimeType": "image/png", "buffer": PNG}],
    )
    expect(page.locator(".composer-attachments .file-list")).to_contain_text(
        "label.png"
    )
    page.click("#composer-send")
    link = page.locator("#thread .attachments a.file")
    expect(link).to_contain_text("label.png")
    thumb = page.locator("#thread .attachments img")
    expect(thumb).to_be_visible()
    assert thumb.evaluate("img => img.naturalWidth") == 1
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "label.png"
    assert Path(download.path()).read_bytes() == PNG

    key = Attachment.objects.get().key
    other = WorkspaceFactory(name="Globex", slug="globex")
    stranger = MembershipFactory(workspace=other, role="admin").user
    intruder = page_as(stranger)
    for slug in ("acme", "globex"):
        response = intruder.goto(f"{live_server.url}/w/{slug}/attachments/{key}/")
        assert response.status == 404


def test_the_macros_page_refuses_template_code_and_saves_a_macro(
    page_as, live_server, team, tmp_path
):
    page = page_as(team["manager"])
    page.goto(f"{live_server.url}/w/acme/macros/")
    page.fill("#macro-name", "Leak")
    page.fill("#macro-body", "{{ settings.SECRET_KEY }}")
    page.click(".macro-form button[type=submit]")
    expect(page.locator(".macro-form .error")).to_contain_text(
        "{{ settings.SECRET_KEY }} is not a placeholder"
    )
    page.fill("#macro-name", "Shipping delay")
    page.fill(
        "#macro-body", "Hi {{ requester.first_name }}, {{ ticket.ref }} ships Monday."
    )
    page.check("input[name=scope][value=workspace]")
    page.select_option("#macro-status", "waiting_on_contact")
    page.fill("#macro-tags", "shipping, delay")
    page.click(".macro-form button[type=submit]")
    row = page.locator("tr[data-macro='Shipping delay']")
    expect(row).to_contain_text("Workspace")
    expect(row).to_contain_text("Waiting on Contact")
    out = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=out / "macros.png")
    row.locator("text=Edit").click()
    expect(page.locator("#macro-body")).to_have_value(
        "Hi {{ requester.first_name }}, {{ ticket.ref }} ships Monday."
    )
    page.fill("#macro-name", "Shipping delayed")
    page.click(".macro-form button[type=submit]")
    expect(page.locator("tr[data-macro='Shipping delayed']")).to_be_visible()
    page.locator("tr[data-macro='Shipping delayed'] button.danger").click()
    expect(page.locator("tr[data-macro='Shipping delayed']")).to_have_count(0)

"""The reply channels page in Chromium: a refused callback URL is shown on its
field; a saved e-mail sender shows as on. Screenshot: channels.png."""

import pytest

from messaging.models import Channel

pytestmark = pytest.mark.e2e


def test_manager_sets_up_channels_and_sees_field_errors(
    team, page_as, live_server, screenshots
):
    page = page_as(team["manager"])
    page.goto(f"{live_server.url}/w/acme/channels/")
    chat = page.locator("form.channel-card").nth(0)
    chat.locator("input[name=callback_url]").fill("http://10.0.0.5/hook")
    chat.locator("button[type=submit]").click()
    error = page.locator('[data-field="callback_url"]')
    assert error.inner_text() == "Only https URLs are allowed, not http://."
    assert not Channel.objects.exists()
    email = page.locator("form.channel-card").nth(1)
    email.locator("input[name=from_email]").fill("support@acme.example")
    email.locator("input[name=from_name]").fill("Acme Support")
    email.locator("textarea[name=signature]").fill("The Acme support team")
    email.locator("input[name=enabled]").check()
    email.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/w/acme/channels/")
    assert (
        page.locator("form.channel-card").nth(1).locator(".badge").inner_text() == "On"
    )
    chat = page.locator("form.channel-card").nth(0)
    chat.locator("input[name=callback_url]").fill("https://10.0.0.5/hook")
    chat.locator("button[type=submit]").click()
    page.locator('[data-field="callback_url"]').wait_for()
    page.screenshot(path=str(screenshots / "channels.png"), full_page=True)
    assert Channel.objects.get().from_email == "support@acme.example"

"""The integrations page in a browser: a failing and a healthy connection side by
side, under the strict CSP (no console errors). `SCREENSHOTS_DIR=docs/screenshots`
keeps the screenshot."""

import os
from pathlib import Path

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from integrations import outbox
from tests.factories import make_ticket
from tests.fakes.gorgias import FakeGorgias
from tests.fakes.zendesk import FakeZendesk
from tests.integrations.conftest import connect

pytestmark = pytest.mark.e2e


@override_settings(
    SYNC_ALLOW_LOCAL_URLS=True, SYNC_BACKOFF_BASE=0.01, SYNC_HTTP_TIMEOUT=(1.0, 1.0)
)
def test_the_integrations_page_shows_each_connections_health(
    page_as, live_server, team, tmp_path
):
    zendesk, gorgias = FakeZendesk().start(), FakeGorgias().start()
    try:
        connect(team["workspace"], zendesk, name="Support desk")
        connect(team["workspace"], gorgias, name="Shop inbox", pull_enabled=False)
        make_ticket(team["workspace"], team["agent"], subject="Refused")
        zendesk.fail(422, on="POST /tickets")
        outbox.drain()
        make_ticket(team["workspace"], team["agent"], subject="Delivered")
        outbox.drain()
    finally:
        zendesk.stop()
        gorgias.stop()
    page = page_as(team["manager"])
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    out = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/w/acme/settings/integrations/")
    expect(page.locator("tr.health-error")).to_have_count(1)
    expect(page.locator("tr.health-ok")).to_have_count(1)
    expect(page.get_by_text("Support desk")).to_be_visible()
    expect(page.get_by_text("422").first).to_be_visible()
    page.screenshot(path=out / "integrations-health.png", full_page=True)
    assert errors == []

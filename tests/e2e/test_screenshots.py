"""The README's pictures of the demo data: the list, the board, each tab of the
detail panel (on the synced ticket), the reports, the settings, dark mode and a
phone's width.

They go to a temporary folder; `make screenshots` (SCREENSHOTS_DIR=docs/screenshots)
refreshes the ones the README shows. Each picture is checked for what it must show
before it is taken.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from integrations.models import ExternalLink
from tests.e2e.conftest import session_cookie

pytestmark = pytest.mark.e2e

PANEL_TABS = ["details", "conversation", "activity", "history", "audit", "insights"]
SETTINGS = ["", "rules/", "sla/", "hours/", "teams/", "statuses/", "members/"]


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)
    return get_user_model().objects.get(username="admin")


def open_page(browser, live_server, user, *, width=1440, height=900, scheme="light"):
    context = browser.new_context(
        viewport={"width": width, "height": height}, color_scheme=scheme
    )
    context.set_default_timeout(15000)
    context.add_cookies([session_cookie(user, live_server.url)])
    return context.new_page()


def test_screenshots_of_the_demo(browser, live_server, demo, screenshots):
    page = open_page(browser, live_server, demo)
    base = f"{live_server.url}/w/acme/"
    synced = ExternalLink.objects.select_related("ticket").get().ticket

    page.goto(base + "tickets/?view=list&ordering=-priority")
    expect(page.locator("tr.row").first).to_be_visible()
    page.check("tr.row:nth-child(2) input[name=numbers]")
    page.check("tr.row:nth-child(3) input[name=numbers]")
    page.screenshot(path=screenshots / "list.png")

    page.goto(base + "tickets/?view=board")
    expect(page.locator(".card-ticket").first).to_be_visible()
    page.screenshot(path=screenshots / "board.png")

    page.goto(base + f"tickets/{synced.number}/?tab=details")
    panel = page.locator("#panel")
    expect(panel.locator("#sync-title")).to_be_visible()
    expect(panel.locator("a[href*='zendesk.com']")).to_have_text("48213")
    panel.locator("#sync-title").scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "detail.png")
    for tab in PANEL_TABS:
        page.click(f"#panel [role=tab][data-tab={tab}]")
        expect(panel.locator(f"#pane-{tab}")).to_be_visible()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=screenshots / f"panel-{tab}.png")

    page.goto(base + "reports/?group=agent")
    expect(page.locator("#report-sla svg.chart")).to_be_visible()
    page.screenshot(path=screenshots / "reports.png", full_page=True)

    for section in SETTINGS:
        page.goto(base + f"settings/{section}")
        expect(page.locator(".settings-page")).to_be_visible()
        name = section.strip("/") or "hub"
        page.screenshot(path=screenshots / f"settings-{name}.png", full_page=True)

    dark = open_page(browser, live_server, demo, scheme="dark")
    dark.goto(base + f"tickets/{synced.number}/?tab=conversation")
    expect(dark.locator("#panel .panel-inner")).to_be_visible()
    dark.wait_for_load_state("networkidle")
    dark.screenshot(path=screenshots / "dark.png")

    phone = open_page(browser, live_server, demo, width=390, height=844)
    phone.goto(base + "tickets/?view=list")
    expect(phone.locator("tr.row").first).to_be_visible()
    phone.screenshot(path=screenshots / "phone-list.png")
    phone.goto(base + f"tickets/{synced.number}/")
    expect(phone.locator("#panel .panel-inner")).to_be_visible()
    phone.screenshot(path=screenshots / "phone-panel.png")

    names = ["list", "board", "detail", "reports", "dark", "phone-list", "phone-panel"]
    names += [f"panel-{tab}" for tab in PANEL_TABS]
    names += [f"settings-{s.strip('/') or 'hub'}" for s in SETTINGS]
    for name in names:
        assert (screenshots / f"{name}.png").stat().st_size > 10_000, name

"""No console errors anywhere in the app, under its Content-Security-Policy: every
page loaded whole, then the htmx swaps people make all day (open a ticket, go
through its tabs, filter the list, edit a row in place, open a card on the board).
Chromium reports violations (`securitypolicyviolation`), console errors and
uncaught exceptions; the `watched` page collects all three."""

import re

import pytest
from playwright.sync_api import expect

from sla.models import SlaPolicy
from tests.e2e.conftest import APP_PAGES
from tests.factories import TeamFactory
from tickets.models import Ticket

pytestmark = pytest.mark.e2e

PANEL_TABS = ["conversation", "activity", "history", "audit", "insights", "details"]


def test_no_console_errors_on_any_page(watched, live_server, team, worked):
    workspace = team["workspace"]
    team_row = TeamFactory(workspace=workspace, name="Billing")
    policy = SlaPolicy.objects.create(workspace=workspace, name="Gold")
    details = [f"settings/teams/{team_row.pk}/", f"settings/sla/{policy.pk}/"]
    page, problems = watched(team["manager"])
    for path in [*APP_PAGES, *details]:
        url = f"{live_server.url}/w/acme/{path.format(conversation=worked.pk)}"
        assert page.goto(url).status == 200, url
        page.wait_for_load_state("networkidle")  # and what the page loads after

    assert problems == [], "\n".join(problems)


def test_no_console_errors_after_htmx_swaps(watched, live_server, team, worked):
    page, problems = watched(team["manager"])
    page.goto(f"{live_server.url}/w/acme/tickets/?view=list")
    panel = page.locator("#panel")

    page.locator("tr.row", has_text="Refund for order 1182").locator(
        ".open-ticket"
    ).click()
    expect(panel.locator(".panel-inner")).to_be_visible()
    for tab in PANEL_TABS:
        page.click(f"#panel [role=tab][data-tab={tab}]")
        expect(panel.locator(f"[role=tab][data-tab={tab}]")).to_have_attribute(
            "aria-selected", "true"
        )
        page.wait_for_load_state("networkidle")
    page.keyboard.press("Escape")

    page.click("#filter-popover summary")  # a filter: the list swapped in place
    page.check("#filter-popover input[name=status][value=in_progress]")
    expect(page.locator(".chip", has_text="In Progress")).to_be_visible()
    expect(page.locator("tr.row")).to_have_count(1)
    page.keyboard.press("Escape")
    page.locator(".chip", has_text="In Progress").click()
    expect(page.locator("tr.row")).to_have_count(2)

    # Inline edits: the row redrawn, the counts above refreshed.
    page.select_option("select[aria-label='Priority of TKT-2']", label="Urgent")
    expect(
        page.locator("select[aria-label='Priority of TKT-2'] option:checked")
    ).to_have_text("Urgent")
    status = page.locator("select[aria-label='Status of TKT-2']")
    expect(status).to_have_attribute("hx-vals", re.compile('"version": "2"'))
    status.select_option(label="In Progress")
    expect(page.locator(".stat[data-status=in_progress] .stat-count")).to_have_text("2")

    page.goto(f"{live_server.url}/w/acme/tickets/?view=board")
    page.locator(".card-ticket", has_text="Nobody's yet").click()
    expect(panel.locator(".subject-input")).to_have_value("Nobody's yet")
    page.wait_for_load_state("networkidle")

    assert Ticket.objects.get(number=2).priority == 5
    assert problems == [], "\n".join(problems)

"""The pages under the Content-Security-Policy, in Chromium: every page carries the
header, none breaks it (no `securitypolicyviolation` event, no console error), and the
htmx interactions still work with htmx's eval turned off."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from sla.models import SlaPolicy
from tests.e2e.conftest import PASSWORD
from tests.factories import MembershipFactory, WorkspaceFactory, make_ticket
from tickets import services

pytestmark = pytest.mark.e2e


def visit(page, url):
    """Open `url` and check the policy came with it."""
    response = page.goto(url)
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy, (url, policy)
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    return response


def test_agent_pages_work_under_the_policy(watched, live_server, team):
    manager = team["manager"]
    other = WorkspaceFactory(name="Globex", slug="globex", ticket_prefix="GLX")
    MembershipFactory(workspace=other, user=manager, role="agent")
    ticket = make_ticket(
        team["workspace"],
        manager,
        subject="Printer on fire",
        content="It **smokes**. See [the manual](https://example.com/manual).",
        tags=["hardware"],
        confidence=42,
        question="Why?",
        answer="Because.",
    )
    make_ticket(team["workspace"], manager, subject="Second one")
    page, problems = watched(manager)
    base = f"{live_server.url}/w/acme/tickets/"

    visit(page, base)
    expect(page.locator("tr.row")).to_have_count(2)
    # The meta htmx-config is in force: no eval, no <script> from swapped content.
    htmx = page.evaluate("[htmx.config.allowEval, htmx.config.allowScriptTags]")
    assert htmx == [False, False]
    page.click("text=Printer on fire")  # htmx GET into the panel
    panel = page.locator("#panel")
    expect(panel.locator(".subject-input")).to_have_value("Printer on fire")
    expect(panel.locator(".description strong")).to_have_text("smokes")
    version = panel.locator(".panel-inner").get_attribute("data-version")
    page.select_option("#priority-select", "5")  # hx-trigger=change, panel swapped
    expect(panel.locator(".panel-inner")).not_to_have_attribute("data-version", version)
    ticket.refresh_from_db()
    assert ticket.priority == 5
    page.click("#panel [role=tab][data-tab=conversation]")
    expect(panel.locator(".confbar rect")).to_have_attribute("width", "42")
    page.fill("#comment-body", "Checked the **fan**")
    page.click(".comment-form button[type=submit]")  # htmx POST, panel swapped
    expect(panel.locator("#thread .prose strong")).to_have_text("fan")
    assert ticket.comments.get().body == "Checked the **fan**"

    visit(page, base + "?view=board")
    expect(page.locator(".card-ticket")).to_have_count(2)
    page.locator(".card-ticket", has_text="Second one").click()
    expect(panel.locator(".subject-input")).to_have_value("Second one")

    visit(page, base + f"{ticket.number}/")  # deep link: full page with the panel
    expect(panel.locator(".subject-input")).to_have_value("Printer on fire")

    visit(page, f"{live_server.url}/w/acme/macros/")  # the macros page's form
    page.fill("#macro-name", "Thanks")
    page.fill("#macro-body", "Thanks, {{ requester.first_name }}!")
    page.click(".macro-form button[type=submit]")
    expect(page.locator("tr[data-macro=Thanks]")).to_be_visible()

    visit(page, f"{live_server.url}/w/acme/reports/")
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.locator(".legend .swatch rect").first).to_be_visible()

    page.select_option("#workspace-switcher", label="Globex")  # was onchange=
    expect(page).to_have_url(re.compile(r"/w/globex/tickets/$"))

    assert problems == [], "\n".join(problems)


def test_login_page_and_error_pages_work_under_the_policy(watched, live_server, team):
    page, problems = watched()

    visit(page, f"{live_server.url}/login/")
    page.fill("#id_username", "agent")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Tickets")

    response = visit(page, f"{live_server.url}/no/such/page/")
    assert response.status == 404
    # The 404 itself is the one console line Chromium writes for that page.
    assert all("404" in problem for problem in problems), problems
    problems.clear()

    visit(page, f"{live_server.url}/w/acme/tickets/")
    assert problems == [], "\n".join(problems)


def test_admin_and_api_docs_work_under_the_policy(watched, live_server, team):
    root = get_user_model().objects.create_superuser("root", "r@example.com", "pw")
    MembershipFactory(workspace=team["workspace"], user=root, role="admin")
    ticket = make_ticket(team["workspace"], team["agent"], subject="In the admin")
    services.comment_add(ticket=ticket, actor=team["agent"], body="A note")
    policy = SlaPolicy.objects.create(workspace=team["workspace"], name="Standard")
    page, problems = watched(root)

    visit(page, f"{live_server.url}/admin/tickets/ticket/")
    expect(page.locator("#result_list")).to_contain_text("In the admin")
    page.click("#changelist-filter a >> nth=1")  # filters.js from a static file
    expect(page.locator("#result_list, .paginator").first).to_be_visible()

    visit(page, f"{live_server.url}/admin/tickets/ticket/{ticket.pk}/change/")
    expect(page.locator("#content")).to_contain_text("A note")

    # simple-history's pages: the ticket's, and a parent's with its child rows.
    visit(page, f"{live_server.url}/admin/tickets/ticket/{ticket.pk}/history/")
    expect(page.locator("#change-history")).to_be_visible()
    visit(page, f"{live_server.url}/admin/sla/slapolicy/{policy.pk}/history/")
    expect(page.locator("#content")).to_contain_text("Targets")

    visit(page, f"{live_server.url}/admin/tickets/ticket/export/")
    toggle = page.locator("input.select-toggle")
    toggle.uncheck()  # was onchange=: now a listener from a static file
    expect(page.locator(".selectable-field-export-row input:checked")).to_have_count(0)

    visit(
        page, f"{live_server.url}/api/v1/workspaces/acme/tickets/"
    )  # DRF's browsable API
    expect(page.locator(".response-info")).to_contain_text("In the admin")

    visit(page, f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()  # schema read

    assert problems == [], "\n".join(problems)

"""The settings pages in Chromium, clicked through as a manager and an admin under
the Content-Security-Policy (no violation, no console error): the sidebar link,
the hub, a rule made, dragged above another and moved back by keyboard, a sample
tested; a policy, a calendar, a team; an invitation sent and accepted. Then the
admin's ticket history page with many versions, also under the policy.
Pictured on the demo data by test_screenshots.py."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import expect

from helpdesk.models import Membership
from sla.models import Calendar, SlaPolicy
from tests.e2e.conftest import PASSWORD
from tests.e2e.test_csp import visit
from tests.factories import MembershipFactory, UserFactory, make_ticket
from tickets import services
from tickets.intake import rules
from tickets.models import EscalationRule, Ticket

pytestmark = pytest.mark.e2e


def unexpected(problems: list[str]) -> list[str]:
    """CSP violations and errors, less the 4xx answers the test asked for."""
    return [p for p in problems if "responded with a status of 4" not in p]


def _order():
    return list(
        EscalationRule.objects.order_by("position").values_list("name", flat=True)
    )


def test_manager_clicks_through_rules_sla_hours_and_teams(watched, live_server, team):
    workspace = team["workspace"]
    rules.escalation_rule_create(
        workspace=workspace, actor=None, values={"name": "Catch-all"}
    )
    page, problems = watched(team["manager"])
    visit(page, f"{live_server.url}/w/acme/tickets/")
    page.click('a[data-nav="settings"]')
    expect(page.locator("h1")).to_have_text("Settings")

    page.click(".settings-hub >> text=Escalation rules")
    form = page.locator("form.macro-form")
    form.locator("#id_name").fill("Unsure bot")
    form.locator("#id_confidence_below").fill("40")
    form.locator("#id_priority").select_option(label="High")
    form.locator("button[type=submit]").click()
    expect(page.locator("#rules tbody tr")).to_have_count(2)
    assert _order() == ["Catch-all", "Unsure bot"]

    # Drag the new rule above the first one.
    with page.expect_response(lambda r: r.url.endswith("/rules/order/")) as saved:
        page.locator('tr[data-rule="Unsure bot"]').drag_to(
            page.locator('tr[data-rule="Catch-all"]')
        )
    assert saved.value.status == 204
    expect(page.locator("#rules tbody tr").first).to_have_attribute(
        "data-rule", "Unsure bot"
    )
    assert _order() == ["Unsure bot", "Catch-all"]
    # And back with the keyboard: focus the ↓ button, press Enter.
    page.get_by_role("button", name="Move Unsure bot down").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#rules tbody tr").first).to_have_attribute(
        "data-rule", "Catch-all"
    )
    assert _order() == ["Catch-all", "Unsure bot"]

    # A bad value is shown on its field, nothing saved.
    form = page.locator("form.macro-form")
    form.locator("#id_name").fill("Broken")
    form.locator("#id_confidence_above").fill("101")
    form.locator("button[type=submit]").click()
    expect(page.locator('[data-field="confidence_above"] .error')).to_contain_text(
        "100"
    )
    assert EscalationRule.objects.count() == 2

    page.locator("#id_confidence").fill("15")
    page.locator("form.sample button[type=submit]").click()
    expect(page.locator("[data-matched-rule]")).to_have_text("Catch-all")
    page.locator("#id_confidence").fill("15")
    page.goto(f"{live_server.url}/w/acme/settings/rules/")
    page.get_by_role("button", name="Move Unsure bot up").click()
    page.locator("#id_confidence").fill("15")
    page.locator("form.sample button[type=submit]").click()
    expect(page.locator("[data-matched-rule]")).to_have_text("Unsure bot")
    expect(page.locator(".sample-result")).to_contain_text("priority High")
    assert Ticket.objects.count() == 0

    page.goto(f"{live_server.url}/w/acme/settings/hours/")
    page.locator("#id_name").fill("Office")
    page.locator("#id_timezone").fill("Europe/Paris")
    page.locator("#id_hours-0-weekday").select_option(label="Monday")
    page.locator("#id_hours-0-start").fill("09:00")
    page.locator("#id_hours-0-end").fill("17:00")
    page.locator("form.settings-form button[type=submit]").click()
    expect(page.locator('tr[data-calendar="Office"]')).to_be_visible()
    assert Calendar.objects.get().intervals.count() == 1

    page.goto(f"{live_server.url}/w/acme/settings/sla/")
    page.locator("#id_name").fill("Standard")
    page.locator("#id_calendar").select_option(label="Office")
    page.locator("#id_targets-0-priority").select_option(label="High")
    page.locator("#id_targets-0-metric").select_option(label="First response")
    page.locator("#id_targets-0-minutes").fill("60")
    page.locator("form.settings-form button[type=submit]").click()
    expect(page.locator('tr[data-policy="Standard"]')).to_contain_text("60 min")
    assert SlaPolicy.objects.get().targets.get().minutes == 60

    page.goto(f"{live_server.url}/w/acme/settings/teams/")
    page.locator("#id_name").fill("Billing")
    page.locator("#id_routing").select_option(label="Round-robin")
    page.get_by_label("Alex Agent").check()
    page.locator("form.macro-form button[type=submit]").click()
    expect(page.locator('tr[data-team="Billing"]')).to_contain_text("Alex Agent")
    # Managers do not manage members.
    assert page.goto(f"{live_server.url}/w/acme/settings/members/").status == 403
    assert unexpected(problems) == [], "\n".join(problems)


def test_admin_invites_and_the_invitee_joins(watched, live_server, team, browser):
    boss = UserFactory(username="boss", first_name="Bo", last_name="Ss")
    MembershipFactory(workspace=team["workspace"], user=boss, role="admin")
    page, problems = watched(boss)
    visit(page, f"{live_server.url}/w/acme/settings/members/")
    page.locator("#id_email").fill("newbie@example.com")
    page.locator("#id_role").select_option("agent")
    page.locator("form.macro-form button[type=submit]").click()
    expect(page.locator('tr[data-invitation="newbie@example.com"]')).to_contain_text(
        "Pending"
    )
    page.locator("#member-q").fill("alex")
    page.locator("form.member-search button").click()
    expect(page.locator("table.members tbody tr")).to_have_count(1)
    token = re.search(r"/invitations/([\w-]+)/", mail.outbox[-1].body).group(1)

    guest, guest_problems = watched()
    visit(guest, f"{live_server.url}/invitations/{token}/")
    guest.locator("#id_username").fill("newbie")
    guest.locator("#id_password1").fill(PASSWORD)
    guest.locator("#id_password2").fill(PASSWORD)
    guest.locator("button[type=submit]").click()
    guest.wait_for_url(f"{live_server.url}/w/acme/tickets/")
    assert Membership.objects.get(user__username="newbie").role == "agent"
    visit(guest, f"{live_server.url}/invitations/{token}/")
    expect(guest.locator(".alert.error")).to_contain_text("not valid")
    page.reload()
    expect(page.locator('tr[data-invitation="newbie@example.com"]')).to_contain_text(
        "Accepted"
    )
    seen = unexpected(problems + guest_problems)
    assert seen == [], "\n".join(seen)


def test_admin_ticket_history_with_many_versions_keeps_the_policy(
    watched, live_server, team
):
    root = get_user_model().objects.create_superuser("root", "r@example.com", "pw")
    MembershipFactory(workspace=team["workspace"], user=root, role="admin")
    ticket = make_ticket(team["workspace"], team["agent"], subject="Many versions")
    for n in range(101):  # over a page of versions (100): the paginator links
        ticket = services.ticket_update(
            ticket=ticket, actor=root, changes={"subject": f"Version {n}"}
        )
    page, problems = watched(root)
    visit(page, f"{live_server.url}/admin/tickets/ticket/{ticket.pk}/history/")
    expect(page.locator("#change-history")).to_be_visible()
    expect(page.locator("p.paginator")).to_be_visible()
    page.locator("p.paginator a").first.click()
    expect(page.locator("#change-history")).to_be_visible()
    page.locator("#change-history tbody a").first.click()  # one version's page
    expect(page.locator("#content")).to_be_visible()
    assert problems == [], "\n".join(problems)

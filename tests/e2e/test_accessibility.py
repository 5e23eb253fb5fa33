"""axe-core in Chromium over the pages people work in, light and dark: no serious
or critical violation (WCAG 2 A/AA rules: contrast, labels, ARIA, names)."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from helpdesk.models import Membership
from tests.e2e.conftest import session_cookie
from tests.factories import ConversationFactory, make_ticket
from tickets import services
from tickets.models import Ticket

pytestmark = pytest.mark.e2e

PAGES = [
    "tickets/?view=list",
    "tickets/?view=board",
    "tickets/1/?tab=details",
    "tickets/1/?tab=conversation",
    "tickets/1/?tab=activity",
    "tickets/1/?tab=history",
    "tickets/1/?tab=audit",
    "tickets/1/?tab=insights",
    "conversations/",
    "conversations/{conversation}/",
    "tickets/new/",
    "views/manage/",
    "notifications/",
    "reports/",
    "settings/",
    "settings/rules/",
    "settings/sla/",
    "settings/hours/",
    "settings/teams/",
    "settings/statuses/",
    "settings/members/",
    "articles/",
    "articles/new/",
]


@pytest.fixture
def worked(team):
    workspace, agent = team["workspace"], team["agent"]
    Membership.objects.filter(user=team["manager"]).update(role="admin")
    conversation = ConversationFactory(workspace=workspace, external_id="chat-1")
    ticket = make_ticket(workspace, agent, subject="Refund for order 1182")
    Ticket.objects.filter(pk=ticket.pk).update(primary_conversation=conversation)
    services.ticket_change_status(ticket=ticket, to="in_progress", actor=agent)
    services.comment_add(ticket=ticket, actor=agent, body="On it", is_public=True)
    make_ticket(workspace, None, subject="Nobody's yet", source="api")
    return conversation


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_or_critical_violations(browser, live_server, team, worked, scheme):
    context = browser.new_context(
        viewport={"width": 1400, "height": 900}, color_scheme=scheme
    )
    context.add_cookies([session_cookie(team["manager"], live_server.url)])
    page = context.new_page()
    axe = Axe()
    found = []
    for path in PAGES:
        url = f"{live_server.url}/w/acme/{path.format(conversation=worked.pk)}"
        assert page.goto(url).status == 200, url
        page.wait_for_load_state("networkidle")
        violations = axe.run(page).response["violations"]
        found += [
            f"{path}: {v['id']} ({v['impact']}) at {n['target']}"
            for v in violations
            if v["impact"] in ("serious", "critical")
            for n in v["nodes"]
        ]
    context.close()
    assert found == []

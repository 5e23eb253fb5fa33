"""axe-core in Chromium over the pages people work in, light and dark: no serious
or critical violation (WCAG 2 A/AA rules: contrast, labels, ARIA, names)."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import APP_PAGES, session_cookie

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_or_critical_violations(browser, live_server, team, worked, scheme):
    context = browser.new_context(
        viewport={"width": 1400, "height": 900}, color_scheme=scheme
    )
    context.add_cookies([session_cookie(team["manager"], live_server.url)])
    page = context.new_page()
    axe = Axe()
    found = []
    for path in APP_PAGES:
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

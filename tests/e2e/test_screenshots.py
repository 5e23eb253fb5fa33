"""Screenshots of the list, board and detail panel on the demo data.

They go to a temporary folder; `SCREENSHOTS_DIR=docs/screenshots` refreshes the ones
the README shows.
"""

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_screenshots_of_list_board_and_detail(
    page_as, live_server, transactional_db, tmp_path
):
    call_command("seed_demo", verbosity=0)
    out = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    page = page_as(get_user_model().objects.get(username="manager"))
    base = f"{live_server.url}/w/acme/tickets/"

    page.goto(base + "?view=list&status=open&status=in_progress&ordering=-priority")
    expect(page.locator("tr.row").first).to_be_visible()
    page.check("tr.row:nth-child(2) input[name=numbers]")
    page.check("tr.row:nth-child(3) input[name=numbers]")
    page.screenshot(path=out / "list.png")

    page.goto(base + "?view=board")
    expect(page.locator(".card-ticket").first).to_be_visible()
    page.screenshot(path=out / "board.png")

    page.goto(base + "?view=list")
    page.locator("tr.row .open-ticket").first.click()
    expect(page.locator("#panel .panel-inner")).to_be_visible()
    page.screenshot(path=out / "detail.png")

    for name in ("list", "board", "detail"):
        assert (out / f"{name}.png").stat().st_size > 10_000

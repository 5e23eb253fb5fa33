"""The page shell in Chromium: keyboard help on `?`, moving a board card with the
keyboard, dark mode from the system setting, and the phone-width menu."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import session_cookie
from tests.factories import make_ticket

pytestmark = pytest.mark.e2e


def tickets_url(live_server, suffix=""):
    return f"{live_server.url}/w/acme/tickets/{suffix}"


def page_with(browser, live_server, user, **context_options):
    context = browser.new_context(**context_options)
    context.set_default_timeout(8000)
    context.add_cookies([session_cookie(user, live_server.url)])
    return context, context.new_page()


def test_question_mark_opens_the_keyboard_help(page_as, live_server, team):
    page = page_as(team["agent"])
    page.goto(tickets_url(live_server))
    help_dialog = page.locator("#shortcuts")
    expect(help_dialog).to_be_hidden()
    page.keyboard.press("?")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).to_contain_text("Board: move the focused card")
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()


def test_shift_arrow_moves_the_focused_card_to_the_next_column(
    page_as, live_server, team
):
    ticket = make_ticket(team["workspace"], team["agent"], subject="Keyboard me")
    page = page_as(team["agent"])
    page.goto(tickets_url(live_server, "?view=board"))
    card = page.locator(".card-ticket[data-number='1']")
    card.focus()
    page.keyboard.press("Shift+ArrowRight")
    expect(page.locator(".toast.success")).to_contain_text("Moved to In Progress")
    expect(
        page.locator(".column[data-status=in_progress] .card-ticket[data-number='1']")
    ).to_be_focused()
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"


def test_dark_mode_follows_the_system_setting(browser, live_server, team):
    backgrounds = {}
    for scheme in ("light", "dark"):
        context, page = page_with(
            browser, live_server, team["agent"], color_scheme=scheme
        )
        page.goto(tickets_url(live_server))
        backgrounds[scheme] = page.evaluate(
            "getComputedStyle(document.body).backgroundColor"
        )
        context.close()
    # The --bg values of app.css: #f6f7f9 light, #0b1220 dark.
    assert backgrounds == {"light": "rgb(246, 247, 249)", "dark": "rgb(11, 18, 32)"}


def test_at_phone_width_the_sidebar_folds_into_a_menu(browser, live_server, team):
    make_ticket(team["workspace"], team["agent"], subject="Small screen")
    context, page = page_with(
        browser, live_server, team["agent"], viewport={"width": 390, "height": 844}
    )
    page.goto(tickets_url(live_server))
    nav = page.locator(".sidebar .nav")
    expect(nav).to_be_hidden()
    # The list fits: no sideways scrolling of the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.locator("tr.row", has_text="Small screen")).to_be_visible()
    page.click("#menu-toggle")
    expect(nav).to_be_visible()
    expect(page.locator("#menu-toggle")).to_have_attribute("aria-expanded", "true")
    context.close()

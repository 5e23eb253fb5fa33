"""The agent UI in Chromium against a live server: the issue's "Must show" list."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD
from tests.factories import make_ticket
from tickets import services
from tickets.models import SavedView, Ticket, TicketEvent

pytestmark = pytest.mark.e2e


def tickets_url(live_server, suffix=""):
    return f"{live_server.url}/w/acme/tickets/{suffix}"


def test_login_then_logout(page_as, live_server, team):
    page = page_as()
    page.goto(live_server.url + "/")
    page.fill("#id_username", "agent")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Tickets")
    expect(page.locator(".empty-state")).to_contain_text("No tickets here")
    page.click("text=Log out")
    expect(page.locator("h1")).to_have_text("Log in")


def test_filter_adds_chip_and_count_then_chip_removal_restores(
    page_as, live_server, team
):
    agent = team["agent"]
    for i in range(3):
        make_ticket(team["workspace"], agent, subject=f"Open {i}")
    done = make_ticket(team["workspace"], agent, subject="Finished")
    services.ticket_change_status(ticket=done, to="resolved", actor=agent)
    page = page_as(agent)
    page.goto(tickets_url(live_server))
    # The working queue: active tickets only (the resolved one is in "Closed and
    # archived"), and the page says so.
    expect(page.locator("#match-count")).to_have_text("3 tickets")
    expect(page.locator("#active-only")).to_be_visible()
    page.click("#filter-popover summary")
    page.check("#filter-popover input[name=status][value=resolved]")
    chip = page.locator(".chip", has_text="Resolved")
    expect(chip).to_be_visible()
    expect(page.locator("#match-count")).to_have_text("1 ticket")
    expect(page.locator("tr.row")).to_have_count(1)
    assert "status=resolved" in page.url
    page.keyboard.press("Escape")  # closes the popover
    chip.click()
    expect(page.locator(".chip")).to_have_count(0)
    expect(page.locator("#match-count")).to_have_text("3 tickets")


def test_search_by_ref(page_as, live_server, team):
    for subject in ("Printer on fire", "Refund request", "Login broken"):
        make_ticket(team["workspace"], team["agent"], subject=subject)
    page = page_as(team["agent"])
    page.goto(tickets_url(live_server))
    page.keyboard.press("/")
    page.keyboard.type("TKT-2")
    expect(page.locator("tr.row")).to_have_count(1)
    expect(page.locator("tr.row .subject")).to_contain_text("Refund request")
    expect(page.locator(".chip")).to_contain_text("TKT-2")


def test_board_drag_changes_status_and_records_event(page_as, live_server, team):
    ticket = make_ticket(team["workspace"], team["agent"], subject="Drag me")
    page = page_as(team["agent"])
    page.goto(tickets_url(live_server, "?view=board"))
    card = page.locator(".card-ticket[data-number='1']")
    card.drag_to(page.locator(".column[data-status=in_progress] .cards"))
    expect(page.locator(".toast.success")).to_contain_text("Moved to In Progress")
    expect(
        page.locator(".column[data-status=in_progress] .card-ticket[data-number='1']")
    ).to_be_visible()
    # The stats bar above the board moves with the card, without a reload.
    expect(page.locator(".stat[data-status=open] .stat-count")).to_have_text("0")
    expect(page.locator(".stat[data-status=in_progress] .stat-count")).to_have_text("1")
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    assert ticket.events.filter(
        kind=TicketEvent.Kind.STATUS_CHANGED, data__new="in_progress"
    ).exists()


def test_refused_drag_snaps_back_with_reason(page_as, live_server, team):
    ticket = make_ticket(team["workspace"], team["agent"], subject="Resolved one")
    services.ticket_change_status(ticket=ticket, to="resolved", actor=team["agent"])
    page = page_as(team["agent"])
    # Done tickets are outside the default (working) queue: ask for them.
    page.goto(tickets_url(live_server, "?view=board&status=resolved,in_progress"))
    card = page.locator(".card-ticket[data-number='1']")
    card.drag_to(page.locator(".column[data-status=in_progress] .cards"))
    expect(page.locator(".toast.error")).to_contain_text(
        "Cannot change status from Resolved to In Progress"
    )
    expect(
        page.locator(".column[data-status=resolved] .card-ticket[data-number='1']")
    ).to_be_visible()
    expect(page.locator(".column[data-status=in_progress] [data-count]")).to_have_text(
        "0"
    )
    ticket.refresh_from_db()
    assert ticket.status == "resolved"


def test_bulk_assign_three_tickets(page_as, live_server, team):
    for i in range(4):
        make_ticket(team["workspace"], None, subject=f"Queue {i}", source="api")
    page = page_as(team["agent"])
    page.goto(tickets_url(live_server))
    for number in ("1", "2", "3"):
        page.check(f"input[name=numbers][value='{number}']")
    expect(page.locator("#bulk-count")).to_have_text("3 selected")
    page.select_option("#bulk select[name=assignee]", label="Alex Agent")
    page.click("#bulk button[value=assign]")
    expect(page.locator("#bulk-summary")).to_contain_text("Assigned: 3 tickets")
    assert sorted(
        Ticket.objects.filter(assignee=team["agent"]).values_list("number", flat=True)
    ) == [1, 2, 3]
    expect(
        page.locator("tr.row select.who-select option:checked", has_text="Alex Agent")
    ).to_have_count(3)


def test_comment_with_mention(page_as, live_server, team):
    ticket = make_ticket(team["workspace"], team["agent"], subject="Needs eyes")
    page = page_as(team["agent"])
    page.goto(tickets_url(live_server))
    page.click("text=Needs eyes")
    page.click("#panel [role=tab][data-tab=conversation]")
    page.click("#comment-body")
    page.keyboard.type("Can you check this, @man")
    expect(page.locator(".mention-menu li")).to_have_text(["@manager"])
    page.keyboard.press("Enter")
    page.keyboard.type("thanks")
    expect(page.locator("#comment-body")).to_have_value(
        "Can you check this, @manager thanks"
    )
    page.click(".comment-form button[type=submit]")
    expect(page.locator("#thread .mention")).to_have_text("@manager")
    comment = ticket.comments.get()
    assert list(comment.mentions.all()) == [team["manager"]]


def test_snooze_hides_ticket_until_snoozed_view(page_as, live_server, team):
    make_ticket(team["workspace"], team["agent"], subject="Later please")
    make_ticket(team["workspace"], team["agent"], subject="Now please")
    page = page_as(team["agent"])
    page.goto(tickets_url(live_server))
    page.click("text=Later please")
    page.select_option("#snooze-form select", label="Tomorrow 9:00")
    page.click("#snooze-form button")
    expect(page.locator("#panel-notice")).to_contain_text("Snoozed until")
    expect(page.locator("tr.row", has_text="Later please")).to_have_count(0)
    expect(page.locator("tr.row", has_text="Now please")).to_have_count(1)
    page.click(".nav a[data-queue=snoozed]")
    expect(page.locator("tr.row", has_text="Later please")).to_have_count(1)


def test_deep_link_opens_detail_panel_and_escape_closes(page_as, live_server, team):
    make_ticket(team["workspace"], team["agent"], subject="First")
    make_ticket(
        team["workspace"], team["agent"], subject="Linked one", content="Some body"
    )
    page = page_as(team["agent"])
    page.goto(tickets_url(live_server, "2/"))
    panel = page.locator("#panel")
    expect(panel).to_be_visible()
    expect(panel.locator(".subject-input")).to_have_value("Linked one")
    expect(panel).to_contain_text("Not connected to external system.")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    assert re.search(r"/w/acme/tickets/$", page.url)


def test_save_view_and_reopen_it(page_as, live_server, team):
    make_ticket(team["workspace"], team["agent"], subject="Urgent one", priority=5)
    make_ticket(team["workspace"], team["agent"], subject="Calm one", priority=2)
    page = page_as(team["agent"])
    page.goto(tickets_url(live_server, "?priority=5"))
    expect(page.locator("#match-count")).to_have_text("1 ticket")
    page.click("#save-view-open")
    page.fill("#id_name", "Fires")
    page.click("#save-view button[type=submit]")
    link = page.locator(".nav a[data-view=Fires]")
    expect(link).to_contain_text("1")
    assert SavedView.objects.get(name="Fires").filters == {"priority": "5"}
    page.click(".nav a[data-queue=all]")
    expect(page.locator("#match-count")).to_have_text("2 tickets")
    page.click(".nav a[data-view=Fires]")
    expect(page.locator("#match-count")).to_have_text("1 ticket")
    expect(page.locator(".chip")).to_contain_text("Urgent")


def test_stale_edit_is_detected(page_as, live_server, team):
    ticket = make_ticket(team["workspace"], team["agent"], subject="Contested")
    page = page_as(team["agent"])
    page.goto(tickets_url(live_server, "1/"))
    expect(page.locator("#panel .subject-input")).to_have_value("Contested")
    # Someone else changes the priority while the panel is open.
    services.ticket_set_priority(ticket=ticket, priority=5, actor=team["manager"])
    page.select_option("#priority-select", "1")
    alert = page.locator("#panel-error")
    expect(alert).to_contain_text("This ticket changed while you were editing")
    expect(page.locator("#priority-select")).to_have_value("5")
    ticket.refresh_from_db()
    assert ticket.priority == 5


def test_keyboard_moves_opens_and_closes(page_as, live_server, team):
    for subject in ("Newest", "Middle", "Oldest"):
        make_ticket(team["workspace"], team["agent"], subject=subject)
    page = page_as(team["agent"])
    page.goto(tickets_url(live_server))
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator("tr.row.cursor")).to_contain_text("Middle")
    page.keyboard.press("Enter")
    expect(page.locator("#panel .subject-input")).to_have_value("Middle")
    page.keyboard.press("Escape")
    expect(page.locator("#panel")).to_be_hidden()


def test_manager_bulk_delete_confirms_with_the_count(page_as, live_server, team):
    for i in range(3):
        make_ticket(team["workspace"], team["manager"], subject=f"Spam {i}")
    page = page_as(team["manager"])
    page.goto(tickets_url(live_server))
    page.check("#select-page")
    messages = []

    def accept(dialog):
        messages.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.click("#bulk button[value=delete]")
    expect(page.locator("#bulk-summary")).to_contain_text("Deleted: 3 tickets")
    assert messages == ["Delete 3 tickets permanently? This cannot be undone."]
    assert not Ticket.objects.exists()


def test_snooze_at_a_picked_date_and_time(page_as, live_server, team):
    ticket = make_ticket(team["workspace"], team["agent"], subject="Call back Friday")
    page = page_as(team["agent"])
    page.goto(tickets_url(live_server))
    page.click("text=Call back Friday")
    picker = page.locator("#snooze-form input[name=at]")
    expect(picker).to_be_hidden()
    page.select_option("#snooze-form select", value="custom")
    expect(picker).to_be_visible()
    picker.fill("2099-05-08T14:30")
    page.click("#snooze-form button")
    expect(page.locator("#panel-notice")).to_contain_text(
        "Snoozed until Fri 08 May 14:30"
    )
    ticket.refresh_from_db()
    # The workspace's time zone is UTC here: the picked wall time, unchanged.
    assert ticket.snoozed_until.isoformat() == "2099-05-08T14:30:00+00:00"


def test_inline_edits_on_a_row(page_as, live_server, team):
    ticket = make_ticket(team["workspace"], team["agent"], subject="Edit in place")
    page = page_as(team["agent"])
    page.goto(tickets_url(live_server))
    page.select_option("select[aria-label='Priority of TKT-1']", label="Urgent")
    expect(
        page.locator("select[aria-label='Priority of TKT-1'] option:checked")
    ).to_have_text("Urgent")
    # The list redrew the row with the ticket's new version before the next edit.
    status = page.locator("select[aria-label='Status of TKT-1']")
    expect(status).to_have_attribute("hx-vals", re.compile('"version": "2"'))
    status.select_option(label="In Progress")
    expect(page.locator(".stat[data-status=in_progress] .stat-count")).to_have_text("1")
    expect(page.locator("#panel .panel-inner")).to_have_count(0)  # no panel opened
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.status) == (5, "in_progress")


def test_inline_edits_on_a_board_card(page_as, live_server, team):
    ticket = make_ticket(team["workspace"], team["agent"], subject="Edit on the board")
    page = page_as(team["agent"])
    page.goto(tickets_url(live_server, "?view=board"))
    card = page.locator(".column[data-status=open] .card-ticket[data-number='1']")
    card.locator("select[aria-label='Priority of TKT-1']").select_option(label="Urgent")
    # The board redrew the card with the ticket's new version before the next edit.
    assignee = page.locator("select[aria-label='Assignee of TKT-1']")
    expect(assignee).to_have_attribute("hx-vals", re.compile('"version": "2"'))
    assignee.select_option(label="Morgan")
    status = page.locator("select[aria-label='Status of TKT-1']")
    expect(status).to_have_attribute("hx-vals", re.compile('"version": "3"'))
    status.select_option(label="In Progress")
    moved = page.locator(
        ".column[data-status=in_progress] .card-ticket[data-number='1']"
    )
    expect(moved).to_be_visible()
    expect(moved.locator(".prio option:checked")).to_have_text("Urgent")
    expect(page.locator(".stat[data-status=in_progress] .stat-count")).to_have_text("1")
    expect(page.locator("#panel .panel-inner")).to_have_count(0)  # no panel opened
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.assignee, ticket.status) == (
        5,
        team["manager"],
        "in_progress",
    )


def test_a_board_card_refused_edit_says_why(page_as, live_server, team):
    ticket = make_ticket(team["workspace"], team["agent"], subject="Changed elsewhere")
    page = page_as(team["agent"])
    page.goto(tickets_url(live_server, "?view=board"))
    services.ticket_update(
        ticket=ticket, actor=team["manager"], changes={"priority": 1}
    )
    page.select_option("select[aria-label='Priority of TKT-1']", label="Urgent")
    expect(page.locator(".toast.error")).to_be_visible()
    # Redrawn as the ticket is now.
    expect(
        page.locator("select[aria-label='Priority of TKT-1'] option:checked")
    ).to_have_text("Lowest")
    ticket.refresh_from_db()
    assert ticket.priority == 1


def test_a_collapsed_column_loads_its_cards_when_opened(page_as, live_server, team):
    ticket = make_ticket(team["workspace"], team["agent"], subject="Long done")
    services.ticket_change_status(ticket=ticket, to="closed", actor=team["agent"])
    page = page_as(team["agent"])
    page.goto(tickets_url(live_server, "?view=board&status=open,closed"))
    closed = page.locator(".column[data-status=closed]")
    expect(closed.locator("[data-count]")).to_have_text("1")
    expect(closed.locator(".card-ticket")).to_have_count(0)
    closed.locator(".collapse").click()
    expect(closed.locator(".card-ticket[data-number='1']")).to_be_visible()

"""Browser tests: one live server and one Chromium for the whole session, a fresh
browser context (cookies) per test. Debian's Chromium at /usr/bin/chromium."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    load_backend,
)
from django.contrib.sessions.backends.db import SessionStore

from helpdesk.models import Membership
from tests.factories import (
    ConversationFactory,
    MembershipFactory,
    UserFactory,
    WorkspaceFactory,
    make_ticket,
)
from tickets import services
from tickets.models import Ticket

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests
# make between browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
PASSWORD = "correct horse battery"  # noqa: S105 - test-only

# Every page of the app under /w/acme/, on the `worked` data (TKT-1 is the chat's
# ticket): the axe and console-error tests visit them all.
APP_PAGES = [
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
    "settings/integrations/",
    "macros/",
    "channels/",
    "articles/",
    "articles/new/",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def team(transactional_db):
    """The Acme workspace with an agent and a manager who can log in."""
    workspace = WorkspaceFactory(name="Acme", slug="acme")
    agent = UserFactory(username="agent", first_name="Alex", last_name="Agent")
    manager = UserFactory(username="manager", first_name="Morgan")
    for user in (agent, manager):
        user.set_password(PASSWORD)
        user.save()
    MembershipFactory(workspace=workspace, user=agent, role="agent")
    MembershipFactory(workspace=workspace, user=manager, role="manager")
    return {"workspace": workspace, "agent": agent, "manager": manager}


def session_cookie(user, live_server_url):
    # The first backend that can load a user (django-axes' comes first and cannot).
    backend = next(
        path
        for path in settings.AUTHENTICATION_BACKENDS
        if hasattr(load_backend(path), "get_user")
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": session.session_key,
        "url": live_server_url,
    }


@pytest.fixture
def page_as(browser, live_server):
    """`page_as(user)`: a page in a new context, logged in as `user`."""
    contexts = []

    def make(user=None):
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        context.set_default_timeout(8000)
        if user is not None:
            context.add_cookies([session_cookie(user, live_server.url)])
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


# Runs in every document before the page's own scripts.
LISTEN_FOR_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (ev) => {
  window.reportViolation(
    `${ev.violatedDirective} blocked ${ev.blockedURI || "inline"} `
    + `at ${ev.sourceFile}:${ev.lineNumber} (${ev.sample})`
  );
}, true);
"""


@pytest.fixture
def watched(page_as):
    """`watched(user)`: a page, and the list of CSP violations and console errors
    it saw (each with the page's address at the time)."""

    def make(user=None):
        page = page_as(user)
        problems = []

        def report_violation(text):
            problems.append(f"CSP: {text} (on {page.url})")

        page.expose_function("reportViolation", report_violation)
        page.add_init_script(LISTEN_FOR_VIOLATIONS)
        page.on(
            "console",
            lambda msg: msg.type == "error"
            and problems.append(f"console: {msg.text} ({msg.location['url']})"),
        )
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        return page, problems

    return make


@pytest.fixture
def worked(team):
    """A day's work in Acme, the manager made admin: an in-progress ticket from a
    chat with a public reply (TKT-1) and an unassigned one (TKT-2); the chat."""
    workspace, agent = team["workspace"], team["agent"]
    Membership.objects.filter(user=team["manager"]).update(role="admin")
    conversation = ConversationFactory(workspace=workspace, external_id="chat-1")
    ticket = make_ticket(workspace, agent, subject="Refund for order 1182")
    Ticket.objects.filter(pk=ticket.pk).update(primary_conversation=conversation)
    services.ticket_change_status(ticket=ticket, to="in_progress", actor=agent)
    services.comment_add(ticket=ticket, actor=agent, body="On it", is_public=True)
    make_ticket(workspace, None, subject="Nobody's yet", source="api")
    return conversation


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where a test's pictures go: a temporary folder, or SCREENSHOTS_DIR
    (`make screenshots` sets docs/screenshots, the ones the README shows)."""
    out = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out

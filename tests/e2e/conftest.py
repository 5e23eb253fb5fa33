"""Browser tests: one live server and one Chromium for the whole session, a fresh
browser context (cookies) per test. Debian's Chromium at /usr/bin/chromium."""

import os

import pytest
from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    load_backend,
)
from django.contrib.sessions.backends.db import SessionStore

from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

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

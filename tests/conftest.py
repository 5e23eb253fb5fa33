import django.test
import pytest
from django.http import HttpRequest

from tests.factories import MembershipFactory, WorkspaceFactory


class Client(django.test.Client):
    """The test client, whose login() hands authenticate() a request: django-axes
    (first in AUTHENTICATION_BACKENDS) refuses to authenticate without one, and
    with one it counts the attempt like any other login."""

    def login(self, **credentials):
        credentials.setdefault("request", HttpRequest())
        return super().login(**credentials)


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def workspace(db):
    return WorkspaceFactory(name="Acme", slug="acme")


@pytest.fixture
def other_workspace(db):
    return WorkspaceFactory(name="Globex", slug="globex", ticket_prefix="GLX")


@pytest.fixture
def agent(workspace):
    return MembershipFactory(
        workspace=workspace, role="agent", user__username="agent"
    ).user


@pytest.fixture
def manager(workspace):
    return MembershipFactory(
        workspace=workspace, role="manager", user__username="manager"
    ).user


@pytest.fixture
def admin_member(workspace):
    return MembershipFactory(
        workspace=workspace, role="admin", user__username="boss"
    ).user


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """SQLite tests use a file database (not memory) so that Celery workers started
    by the live job tests (tests/sla/test_celery_live.py) share it."""
    import tempfile

    from django.db import connections

    db = connections["default"].settings_dict
    if db["ENGINE"].endswith("sqlite3") and not db["TEST"].get("NAME"):
        folder = tempfile.mkdtemp(prefix="helpdesk-test-")
        db["TEST"]["NAME"] = f"{folder}/test.sqlite3"


def pytest_terminal_summary(terminalreporter):
    from tests import figures

    if figures.collected:
        terminalreporter.section("acceptance figures")
        for code, values in sorted(figures.collected, key=lambda item: item[0]):
            shown = ", ".join(f"{key}={value}" for key, value in values.items())
            terminalreporter.write_line(f"{code}: {shown}")

"""Property-based run of every API operation against the OpenAPI schema, in process
through the WSGI app: no server errors, and every answer matches the schema (status
codes, content types, bodies). Bounded: a few examples per operation."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import ignored_auth

from tests import figures
from tests.factories import LabelFactory, TeamFactory, make_ticket

# Django's own WSGI app: helpdesk.wsgi also reads the stored secrets at import
# (the start-up check), which needs the database before the test has it.
schema = schemathesis.from_dict(
    SchemaGenerator().get_schema(request=None, public=True),
    app=get_wsgi_application(),
)
# API_FUZZ_EXAMPLES raises the bound for a longer local run.
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "25"))
run = {"operations": set(), "cases": 0, "failures": 0}


@pytest.fixture(scope="module", autouse=True)
def q1_figures():
    """Q1's schemathesis figures, once all operations have run."""
    yield
    figures.report(
        "Q1-schemathesis",
        {"failures": 0},
        operations=len(run["operations"]),
        cases=run["cases"],
        failures=run["failures"],
    )


@pytest.fixture
def keep_test_connection():
    """Like Django's test client: the WSGI app must not close the test's connection
    (and its open transaction) at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(workspace, admin_member, keep_test_connection):
    """An admin of `acme` with a few tickets, so numbers 1-3 exist."""
    TeamFactory(workspace=workspace)
    LabelFactory(workspace=workspace)
    for subject in ("Printer", "Refund", "Login"):
        make_ticket(workspace, admin_member, subject=subject, tags=["x"])
    key = Token.objects.create(user=admin_member).key
    # Hundreds of calls on one token: the per-token rate limit would answer 429.
    with override_settings(API_RATE_LIMIT=""):
        yield key


@pytest.mark.django_db
@schema.include(path_regex="^/api/v1/").parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_matches_its_schema_and_never_fails(case, token):
    if "workspace_slug" in (case.path_parameters or {}):
        case.path_parameters["workspace_slug"] = "acme"
    case.headers = {**(case.headers or {}), "Authorization": f"Token {token}"}
    run["operations"].add(case.operation.verbose_name)
    run["cases"] += 1
    response = case.call()
    # `ignored_auth` replays the call with one scheme's credentials spoiled while the
    # token header still authenticates, so it reports every operation; refusing
    # anonymous callers is proven in test_roles.py.
    try:
        case.validate_response(response, excluded_checks=(ignored_auth,))
    except AssertionError:
        run["failures"] += 1
        raise

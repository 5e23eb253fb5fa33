"""Schemathesis over every API operation, in process through the WSGI app, with
every check it has (server errors, status codes, content types, headers, bodies,
negative data refused, authentication enforced, and in the stateful phase
use-after-free and resource availability), positive and negative data, then the
stateful phase following the links between operations.

The fuzzed workspace holds a row of each kind (tests/api/fuzz_world.py) and
positive cases use their real ids, so requests reach the success paths: every
operation must answer 2xx at least once. The per-operation table of 2xx and 4xx
answers is in docs/reliability.md (Q1). Bounded to fit CI: API_FUZZ_EXAMPLES
raises the bound for a longer local run.
"""

import os
from collections import Counter, defaultdict

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, assume, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test
from rest_framework.authtoken.models import Token
from schemathesis import DataGenerationMethod
from schemathesis.specs.openapi.checks import (
    ensure_resource_availability,
    use_after_free,
)

from tests import figures
from tests.api.fuzz_links import add_links
from tests.api.fuzz_world import (
    CORE_BODIES,
    build_world,
    documented_table,
    write_table,
)


class TokenAuth:
    """The admin's token, set as explicit auth, so `ignored_auth` replays each
    successful call without it (and with a spoilt one) and expects 401."""

    def get(self, case, context):
        return current["token"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Token {data}"}


def api_schema(methods):
    # Django's own WSGI app: helpdesk.wsgi also reads the stored secrets at import
    # (the start-up check), which needs the database before the test has it.
    loaded = schemathesis.from_dict(
        SchemaGenerator().get_schema(request=None, public=True),
        app=get_wsgi_application(),
        data_generation_methods=methods,
    ).include(path_regex="^/api/v1/")
    loaded.auth(refresh_interval=None)(TokenAuth)
    add_links(loaded)
    return loaded


current = {"token": ""}
schema = api_schema(DataGenerationMethod.all())
# A negative step that follows a link is sent with the link's real ids in place
# of the invalid ones generated, i.e. as valid data: the stateful phase runs
# positive data (negative data is the stateless phase's).
stateful_schema = api_schema([DataGenerationMethod.positive])
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "8"))
STATEFUL_RUNS = int(os.environ.get("API_FUZZ_STATEFUL", "10"))
# No shrinking: a failure is reported as found, which keeps a failing CI run short.
FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
)
STATEFUL_CHECKS = (use_after_free, ensure_resource_availability)
# operation -> Counter of "2xx" / "4xx" / "5xx"; check failures apart.
answers: dict[str, Counter] = defaultdict(Counter)
failures: Counter = Counter()
followed: Counter = Counter()  # stateful steps sent along a link that answered 2xx


def record(case, response, checks=()) -> None:
    operation = case.operation.verbose_name
    answers[operation][f"{response.status_code // 100}xx"] += 1
    try:
        case.validate_response(response, additional_checks=checks)
    except AssertionError:
        failures[operation] += 1
        raise


@pytest.fixture
def world(request, workspace, admin_member, settings):
    """An admin of `acme`, its token, and rows with their ids: those the
    parametrized operation's path names, or every kind (the stateful phase)."""
    settings.SYNC_ALLOW_LOCAL_URLS = True  # the connection points at loopback
    callspec = getattr(request.node, "callspec", None)
    path = callspec.id.split(" ")[-1] if callspec else ""
    made = build_world(admin_member, path)
    current["token"] = Token.objects.create(user=admin_member).key
    # Like Django's test client (which build_world used, and which reconnects
    # these on its way out): the WSGI app must not close the test's connection,
    # and its open transaction, at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # Hundreds of calls on one token: the per-token rate limit would answer 429.
    with override_settings(API_RATE_LIMIT=""):
        yield made
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def aim(case, world) -> None:
    """Positive cases address real rows (and If-Match `*`, any version);
    negative ones keep what was generated, except the workspace."""
    if case.path_parameters:
        case.path_parameters["workspace_slug"] = "acme"
    if case.data_generation_method.is_negative:
        return
    known = world.path_parameters(case.operation.path)
    for name in case.path_parameters or {}:
        # A resource the world does not make yet keeps its generated id.
        case.path_parameters[name] = known.get(name, case.path_parameters[name])
    if case.headers and "If-Match" in case.headers:
        case.headers["If-Match"] = "*"
    core = CORE_BODIES.get(case.operation.verbose_name)
    if core and isinstance(case.body, dict):
        case.body = {**case.body, **core()}


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_api_matches_its_schema_and_never_fails(case, world):
    # A form body is a set of fields: a bare `true` or `[1]` cannot be encoded
    # as one (the client library refuses before anything is sent).
    form = case.media_type not in (None, "application/json")
    assume(not form or isinstance(case.body, dict))
    aim(case, world)
    record(case, case.call())


@pytest.mark.django_db
def test_stateful_phase_follows_links(world):
    class Workflow(stateful_schema.as_state_machine()):
        def before_call(self, case):
            # Root steps address the fuzzed workspace; link steps carry it on.
            case.path_parameters["workspace_slug"] = "acme"

        def validate_response(self, response, case, additional_checks=()):
            if case.source is not None and response.status_code < 300:
                followed[case.operation.verbose_name] += 1  # via a link, and 2xx
            record(case, response, STATEFUL_CHECKS)

        def _add_results_to_targets(self, targets, results):
            # Hypothesis renamed the hook schemathesis 3.39 overrides to file a
            # response under the link it feeds; without this every response
            # lands in `catch_all` and no link is ever followed.
            for result in results:
                target = result and self._get_target_for_result(result)
                if target:
                    RuleBasedStateMachine._add_results_to_targets(
                        self, (target,), [result]
                    )

    run_state_machine_as_test(
        Workflow,
        settings=settings(FUZZ, max_examples=STATEFUL_RUNS, stateful_step_count=6),
    )
    assert sum(followed.values()) > 0


def test_every_operation_succeeded_at_least_once():
    """Runs last (file order): the Q1 figures and the per-operation table."""
    operations = {r.ok().verbose_name for r in schema.get_all_operations()}
    if not operations <= set(answers):
        pytest.skip("Run the whole file: the table covers every operation.")
    never_ok = sorted(name for name in operations if not answers[name]["2xx"])
    cases = sum(sum(c.values()) for c in answers.values())
    write_table(answers)
    assert never_ok == []  # named here, before the figures' summary
    figures.report(
        "Q1-schemathesis",
        {
            "operations": len(operations),
            "cases": figures.at_least(4 * len(operations)),
            "failures": 0,
            "server_errors": 0,
            "operations_without_2xx": 0,
            "link_steps_2xx": figures.at_least(1),
        },
        operations=len(operations),
        cases=cases,
        failures=sum(failures.values()),
        server_errors=sum(c["5xx"] for c in answers.values()),
        operations_without_2xx=len(never_ok),
        link_steps_2xx=sum(followed.values()),
    )
    documented = documented_table()
    assert set(documented) == operations  # the docs' table covers the schema
    assert [name for name, ok in documented.items() if ok < 1] == []

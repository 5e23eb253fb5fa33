"""Q2 smoke: the load test's locustfile, 10 agents for 15 s against gunicorn and
the test database, without a single failed request. Keeps `make load` (the full
100-agent, 5-minute run; figures in docs/reliability.md) from rotting."""

import pytest

from loadtest.run import locust, summary
from loadtest.seed import seed
from tests import figures
from tests.sla.live import WebServer

pytestmark = pytest.mark.django_db(transaction=True)

USERS, TICKETS = 10, 50


def test_q2_locust_smoke_run_has_no_errors(tmp_path):
    tokens = tmp_path / "tokens.txt"
    tokens.write_text("\n".join(seed(users=USERS, tickets=TICKETS)))
    env = {"LOAD_TOKENS": str(tokens), "LOAD_TICKETS": str(TICKETS)}
    with WebServer(tmp_path, workers=2, env=env) as web:
        locust(
            web.url,
            users=USERS,
            duration="15s",
            csv_prefix=tmp_path / "run",
            env=web.env,
        )
    result = summary(tmp_path / "run")
    figures.report(
        "Q2-smoke",
        {"requests": figures.at_least(51), "failures": 0},
        users=USERS,
        requests=result["requests"],
        failures=result["failures"],
        error_rate_percent=result["error_rate_percent"],
        rps=result["rps"],
        p95_ms=result["p95_ms"],
    )
    assert result["requests"] > 50
    assert result["failures"] == 0
    assert set(result["per_request"]) == {"list", "detail", "comment", "create"}

"""API tokens are rate-limited per token (API_RATE_LIMIT): beyond the rate a 429 in
the API's error shape with Retry-After; other tokens and browser sessions are not
affected; the next window is open again. Counted in the configured cache (Redis in
CI)."""

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.conftest import BASE
from tests.factories import MembershipFactory

# A window boundary: the throttle counts fixed windows of the period.
NINE = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user)}")
    return client


@pytest.fixture
def three_per_minute(settings):
    settings.API_RATE_LIMIT = "3/min"


def test_a_token_over_its_rate_gets_429_with_retry_after_until_the_window_ends(
    agent, manager, three_per_minute
):
    mine, other = token_client(agent), token_client(manager)
    with time_machine.travel(NINE + timedelta(seconds=15), tick=False) as clock:
        assert [mine.get(f"{BASE}/tickets/").status_code for _ in range(3)] == [
            200,
            200,
            200,
        ]
        refused = mine.post(f"{BASE}/tickets/", {"subject": "x"}, format="json")
        assert refused.status_code == 429
        assert refused["Retry-After"] == "45"
        assert refused.json() == {
            "code": "throttled",
            "message": "Request was throttled. Expected available in 45 seconds.",
            "errors": {},
        }
        assert other.get(f"{BASE}/tickets/").status_code == 200

        clock.shift(timedelta(seconds=44))
        still = mine.get(f"{BASE}/tickets/")
        assert (still.status_code, still["Retry-After"]) == (429, "1")

        clock.shift(timedelta(seconds=1))
        assert mine.get(f"{BASE}/tickets/").status_code == 200


def test_the_browser_session_is_not_limited_by_the_token_rate(
    client, agent, three_per_minute
):
    with time_machine.travel(NINE, tick=False):
        client.force_login(agent)
        answers = [client.get(f"{BASE}/tickets/").status_code for _ in range(10)]
    assert answers == [200] * 10


def test_the_limit_can_be_switched_off(agent, settings):
    settings.API_RATE_LIMIT = ""
    mine = token_client(agent)
    assert {mine.get(f"{BASE}/tags/").status_code for _ in range(20)} == {200}


def test_a_bad_or_refused_request_still_counts(agent, three_per_minute):
    mine = token_client(agent)
    with time_machine.travel(NINE, tick=False):
        statuses = [
            mine.get(f"{BASE}/tickets/9999/").status_code,
            mine.post(f"{BASE}/tickets/", {}, format="json").status_code,
            mine.get(f"{BASE}/tickets/").status_code,
            mine.get(f"{BASE}/tickets/").status_code,
        ]
    assert statuses == [404, 400, 200, 429]


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_burst_gets_exactly_the_rate_through(settings):
    """One token, 20 requests released together on their own connections, limit 5:
    exactly 5 answered, 15 refused (a read-modify-write history would let more in)."""
    settings.API_RATE_LIMIT = "5/hour"
    user = MembershipFactory(workspace__slug="acme", user__username="burst").user
    header = f"Token {Token.objects.create(user=user)}"
    barrier = threading.Barrier(20)
    statuses: list[int] = []
    lock = threading.Lock()

    def work():
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=header)
            barrier.wait()
            status = client.get(f"{BASE}/tags/").status_code
            with lock:
                statuses.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(20)]
    with time_machine.travel(NINE, tick=False):  # all in one window
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert Counter(statuses) == {200: 5, 429: 15}


def test_a_cache_outage_lets_token_requests_through(agent, settings):
    """The limit is counted in Redis; with Redis down the API keeps answering."""
    settings.API_RATE_LIMIT = "1/min"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    mine = token_client(agent)
    assert [mine.get(f"{BASE}/tags/").status_code for _ in range(3)] == [200] * 3

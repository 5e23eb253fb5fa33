"""S8: login brute force. Five wrong passwords lock a username for 15 minutes on the
login page and the admin login, from any IP address; concurrent attempts cannot get
more than five passwords tested; the right password is refused while locked and
accepted once the lockout ends. Runs with django-axes enabled, threads on separate
database connections (PostgreSQL in CI)."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.db.models import Sum
from django.test import Client

from tests.factories import UserFactory
from tests.figures import report
from tests.threads import run_together

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"
LIMIT, LOCKOUT = 5, timedelta(minutes=15)
ATTEMPTS = 20


@pytest.fixture
def alice():
    return UserFactory(username="alice", password=PASSWORD, is_staff=True)


def attempt(password: str, *, ip: str = "203.0.113.7", path: str = "/login/"):
    """One login POST from its own client (no cookies shared) and IP address."""
    return Client(REMOTE_ADDR=ip).post(
        path, {"username": "alice", "password": password}
    )


def outcome(response) -> str:
    if response.status_code == 302:
        return "logged in"
    if response.status_code == 429:
        return "locked"
    assert response.status_code == 200, response.status_code
    assert b"didn't match" in response.content
    return "wrong password"


def passwords_tested() -> int:
    """Failed passwords axes counted for alice (each one was checked against the
    hash); refusals during the lockout are not checked and not counted."""
    total = AccessAttempt.objects.filter(username="alice").aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return total or 0


def test_twenty_concurrent_wrong_passwords_from_twenty_ips_test_only_five(alice):
    responses = run_together(
        ATTEMPTS, lambda i: attempt(f"guess-{i}", ip=f"198.51.100.{i + 1}")
    )
    locked_at = datetime.now(UTC)

    outcomes = Counter(outcome(r) for r in responses)
    tested = passwords_tested()
    right_while_locked = attempt(PASSWORD, ip="192.0.2.1")
    with time_machine.travel(locked_at + timedelta(minutes=14), tick=False):
        right_at_14_min = attempt(PASSWORD, ip="192.0.2.2")
    with time_machine.travel(locked_at + LOCKOUT + timedelta(seconds=1), tick=False):
        right_after = attempt(PASSWORD, ip="192.0.2.3")
    report(
        "S8",
        {
            "attempts_accepted_before_lockout": LIMIT,
            "right_password_while_locked": 429,
            "right_password_after_15_min": 302,
        },
        case="concurrent",
        wrong_passwords_sent=ATTEMPTS,
        distinct_ips=ATTEMPTS,
        attempts_accepted_before_lockout=tested,
        refused_unchecked=ATTEMPTS - tested,
        right_password_while_locked=right_while_locked.status_code,
        right_password_after_15_min=right_after.status_code,
    )
    # Four answers show the form again; the fifth failure locks (and says so), and
    # the other fifteen are refused before their password is looked at.
    assert outcomes == {"wrong password": LIMIT - 1, "locked": ATTEMPTS - LIMIT + 1}
    assert outcome(right_while_locked) == "locked"
    assert outcome(right_at_14_min) == "locked"
    assert outcome(right_after) == "logged in"


def test_twenty_sequential_wrong_passwords_lock_for_fifteen_minutes(alice):
    start = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
    outcomes = []
    # One attempt every 30 s from a new address: the lockout starts at the fifth
    # failure (09:02) and the refused attempts up to 09:09:30 do not extend it.
    with time_machine.travel(start, tick=False) as clock:
        for i in range(ATTEMPTS):
            outcomes.append(outcome(attempt(f"guess-{i}", ip=f"198.51.100.{i + 1}")))
            clock.shift(timedelta(seconds=30))
        assert outcomes == ["wrong password"] * (LIMIT - 1) + ["locked"] * (
            ATTEMPTS - LIMIT + 1
        )
        tested = passwords_tested()
        assert tested == LIMIT
        right_while_locked = attempt(PASSWORD)
        assert outcome(right_while_locked) == "locked"

        fifth_failure = start + timedelta(seconds=30 * (LIMIT - 1))
        clock.move_to(fifth_failure + LOCKOUT - timedelta(seconds=1))
        assert outcome(attempt(PASSWORD)) == "locked"
        clock.move_to(fifth_failure + LOCKOUT + timedelta(seconds=1))
        right_after = attempt(PASSWORD)
        assert outcome(right_after) == "logged in"
    report(
        "S8",
        {
            "attempts_accepted_before_lockout": LIMIT,
            "right_password_while_locked": 429,
            "right_password_after_15_min": 302,
        },
        case="sequential",
        wrong_passwords_sent=ATTEMPTS,
        distinct_ips=ATTEMPTS,
        attempts_accepted_before_lockout=tested,
        refused_unchecked=ATTEMPTS - tested,
        right_password_while_locked=right_while_locked.status_code,
        right_password_after_15_min=right_after.status_code,
    )


def test_the_lockout_page_says_when_to_retry(alice):
    with time_machine.travel(datetime(2030, 3, 4, 9, 0, tzinfo=UTC), tick=False):
        for i in range(LIMIT):
            last = attempt(f"guess-{i}")
        page = attempt(PASSWORD)
    for response in (last, page):
        assert response.status_code == 429
        assert response["Retry-After"] == str(15 * 60)
        assert b"Try again in 15 minutes" in response.content
        assert b'datetime="2030-03-04T09:15:00+00:00"' in response.content
    assert "_auth_user_id" not in page.wsgi_request.session


def test_the_admin_login_shares_the_lockout(alice):
    """Failures on either login page count together, and both refuse while locked."""
    for i in range(LIMIT - 2):
        assert outcome(attempt(f"guess-{i}")) == "wrong password"
    assert attempt("guess-3", path="/admin/login/").status_code == 200
    assert attempt("guess-4", path="/admin/login/").status_code == 429
    admin = attempt(PASSWORD, path="/admin/login/")
    assert admin.status_code == 429
    assert b"Too many failed log-ins" in admin.content
    assert outcome(attempt(PASSWORD)) == "locked"


def test_a_successful_login_clears_the_failures(alice):
    for i in range(LIMIT - 1):
        attempt(f"guess-{i}")
    assert outcome(attempt(PASSWORD)) == "logged in"
    assert passwords_tested() == 0
    assert outcome(attempt("guess-again")) == "wrong password"


def test_the_test_client_login_still_works_through_axes(client, alice):
    assert client.login(username="alice", password=PASSWORD)
    assert not client.login(username="alice", password="nope")
    assert passwords_tested() == 1

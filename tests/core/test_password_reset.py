"""Password reset by e-mail: linked from the login page, the same answer whether
or not the address exists, a one-time link that sets the password, rate limited.

Planted bug, watched failing, reverted: with the address limit removed from
`form_valid`, the third request for one address sent a third e-mail.
"""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from tests.conftest import Client
from tests.factories import MembershipFactory
from tests.figures import report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits(settings):
    settings.PASSWORD_RESET_RATE = "3/hour"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dana(workspace):
    return MembershipFactory(
        workspace=workspace, user__username="dana", user__email="dana@acme.test"
    ).user


def _ask(email: str, address: str = "10.0.0.1"):
    return Client(REMOTE_ADDR=address).post("/password-reset/", {"email": email})


def test_the_login_page_links_to_the_reset(client):
    page = client.get("/login/")
    assert b'href="/password-reset/"' in page.content


def test_known_and_unknown_addresses_get_the_same_answer_and_the_link_works(dana):
    known = _ask("dana@acme.test", "10.0.0.1")
    unknown = _ask("nobody@acme.test", "10.0.0.2")

    assert (known.status_code, known["Location"]) == (302, "/password-reset/sent/")
    assert (unknown.status_code, unknown["Location"]) == (302, "/password-reset/sent/")
    assert [m.to for m in mail.outbox] == [["dana@acme.test"]]
    link = re.search(r"http://testserver(/password-reset/\S+/)", mail.outbox[0].body)[1]

    client = Client()
    form = client.get(link, follow=True)
    assert b"Choose a new password" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "N3w-pass-phrase", "new_password2": "N3w-pass-phrase"},
    )
    assert done["Location"] == "/password-reset/done/"
    assert Client().login(username="dana", password="N3w-pass-phrase")
    again = Client().get(link, follow=True)
    assert b"This link no longer works" in again.content


def test_requests_are_rate_limited_per_client_and_per_address(dana):
    per_address = [_ask("dana@acme.test", f"10.0.1.{n}").status_code for n in range(5)]
    sent = len(mail.outbox)
    per_client = [_ask(f"x{n}@acme.test", "10.0.2.1").status_code for n in range(5)]

    # Over the address limit the answer is unchanged (it must not tell whether
    # the address exists) but nothing more is sent.
    assert per_address == [302] * 5
    assert sent == 3
    assert per_client == [302, 302, 302, 429, 429]
    report(
        "P1",
        {"emails_sent": 3, "refused": 2},
        address_requests=5,
        emails_sent=sent,
        client_requests=5,
        refused=per_client.count(429),
    )

"""The fakes check what they are sent, as the platforms do: a fake that accepted
anything would let every adapter bug through. Expected answers are the vendors'
(tests/fakes/vendor/*/README.md)."""

import base64

import pytest
import requests

from integrations.models import SyncAttempt, SyncOp
from tests.factories import make_ticket
from tests.integrations.conftest import (
    CREDENTIALS,
    connect,
    drain_until_idle,
    platform_of,
    remote_count,
)

ZENDESK_AUTH = (
    "Basic " + base64.b64encode(b"agent@acme.test/token:zd-token-123456789").decode()
)
GORGIAS_AUTH = "Basic " + base64.b64encode(b"agent@acme.test:gg-key-123456789").decode()
KUSTOMER_AUTH = "Bearer ku-key-123456789"


def _get(fake, path, auth=None, **kw):
    headers = {"Authorization": auth} if auth else {}
    return requests.get(fake.url + path, headers=headers, timeout=5, **kw)


@pytest.mark.parametrize(
    "path, wrong",
    [
        ("/users/me", "Basic " + base64.b64encode(b"agent@acme.test:zd").decode()),
        ("/users/me", "Basic " + base64.b64encode(b"x@y/token:other-token").decode()),
    ],
)
def test_zendesk_refuses_missing_and_wrong_credentials(zendesk, path, wrong):
    assert _get(zendesk, path).status_code == 401
    assert _get(zendesk, path, wrong).json() == {"error": "Couldn't authenticate you"}
    assert _get(zendesk, path, ZENDESK_AUTH).status_code == 200


def test_zendesk_refuses_unknown_parameters_upper_case_enums_and_non_json(zendesk):
    answer = _get(zendesk, "/tickets", ZENDESK_AUTH, params={"email": "a@b.c"})
    assert answer.status_code == 400
    post = requests.post(
        zendesk.url + "/tickets",
        json={"ticket": {"subject": "x", "comment": {"body": "y"}, "status": "OPEN"}},
        headers={"Authorization": ZENDESK_AUTH},
        timeout=5,
    )
    assert post.status_code == 422
    assert "status" in post.json()["details"]
    form = requests.post(
        zendesk.url + "/tickets",
        data="ticket=1",
        headers={
            "Authorization": ZENDESK_AUTH,
            "Content-Type": "application/x-www-form-urlencoded",
        },
        timeout=5,
    )
    assert form.status_code == 415


def test_zendesk_export_answers_429_with_retry_after_and_403_to_agents(zendesk):
    zendesk.limit("incremental_export", 10, 60)
    path = "/incremental/tickets/cursor.json"
    answers = [
        _get(zendesk, path, ZENDESK_AUTH, params={"start_time": 0}) for _ in range(11)
    ]
    assert [a.status_code for a in answers] == [200] * 10 + [429]
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
    zendesk.limits.clear()
    zendesk.role = "agent"
    assert (
        _get(zendesk, path, ZENDESK_AUTH, params={"start_time": 0}).status_code == 403
    )


def test_gorgias_credentials_enums_and_its_429(gorgias):
    assert _get(gorgias, "/account").status_code == 401
    assert _get(gorgias, "/account", GORGIAS_AUTH).status_code == 200
    bad = requests.post(
        gorgias.url + "/tickets",
        json={"status": "OPEN", "messages": [], "customer": {"email": "a@b.c"}},
        headers={"Authorization": GORGIAS_AUTH},
        timeout=5,
    )
    assert bad.status_code == 400
    gorgias.limit("default", 2, 20)
    answers = [_get(gorgias, "/account", GORGIAS_AUTH) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[-1].headers["X-Gorgias-Account-Api-Call-Limit"] == "2/2"
    assert int(answers[-1].headers["Retry-after"]) >= 1


def test_kustomer_credentials_create_rules_and_its_429(kustomer):
    assert _get(kustomer, "/v1/users/current").status_code == 401
    assert _get(kustomer, "/v1/users/current", "Bearer wrong").status_code == 401
    create = requests.post(
        kustomer.url + "/v1/conversations",
        json={"customer": "c-1", "status": "snoozed"},
        headers={"Authorization": KUSTOMER_AUTH},
        timeout=5,
    )
    assert create.status_code == 400
    names = requests.post(
        kustomer.url + "/v1/conversations",
        json={"customer": "c-1", "tags": ["vip"]},
        headers={"Authorization": KUSTOMER_AUTH},
        timeout=5,
    )
    assert names.status_code == 400  # tags are tag ids
    missing = _get(kustomer, "/v1/customers/email=nobody@example.org", KUSTOMER_AUTH)
    assert missing.status_code == 404
    kustomer.limit("search", 1, 60)
    search = [
        requests.post(
            kustomer.url + "/v1/customers/search",
            json={"and": [], "queryContext": "conversation"},
            headers={"Authorization": KUSTOMER_AUTH},
            timeout=5,
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in search] == [200, 429]
    assert "Retry-After" not in search[-1].headers
    assert int(search[-1].headers["x-ratelimit-reset"]) >= 1


def test_gorgias_refuses_a_wrong_key_and_a_user_that_is_not_the_keys(gorgias):
    wrong_key = base64.b64encode(b"agent@acme.test:gg-key-000000000").decode()
    wrong_user = base64.b64encode(b"other@acme.test:gg-key-123456789").decode()
    for auth in (f"Basic {wrong_key}", f"Basic {wrong_user}", "Bearer nope"):
        assert _get(gorgias, "/account", auth).status_code == 401, auth


def test_a_sync_with_wrong_credentials_gets_the_platforms_401_and_creates_nothing(
    workspace, platform_fake, agent
):
    """Through the real adapter: every fake answers 401 to credentials that are not
    the account's, so an adapter that sent none (or the wrong ones) fails here and
    in every other sync test, instead of passing against a fake that accepts all."""
    platform = platform_of(platform_fake)
    wrong = {key: f"{value}-not-ours" for key, value in CREDENTIALS[platform].items()}
    wrong |= {"email": "agent@acme.test"} if "email" in wrong else {}
    connect(workspace, platform_fake, credentials=wrong)
    make_ticket(workspace, agent, subject="Refused")

    drain_until_idle()

    statuses = set(SyncAttempt.objects.values_list("status_code", flat=True))
    assert statuses == {401}
    assert SyncOp.objects.get().state == "failed"  # a 401 is not retried
    assert remote_count(platform_fake) == 0
    sent = [r["headers"].get("Authorization", "") for r in platform_fake.received]
    assert sent and all(sent), "every request carried credentials"

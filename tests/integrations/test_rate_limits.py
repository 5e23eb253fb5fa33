"""The vendors' limits as our budget and our reading of their 429s: a
per-endpoint limit binds on its own endpoints while the account's budget has
room (Zendesk's incremental exports, 10 a minute), and Kustomer's 429 tells the
wait in x-ratelimit-reset (seconds, or a Unix time in s or ms), not Retry-After."""

import time

import pytest
import requests

from integrations import ratelimit
from tests.integrations.conftest import connect

pytestmark = pytest.mark.django_db

EXPORT = "/incremental/tickets/cursor.json"


def test_zendesk_exports_are_held_to_10_a_minute_within_the_account_budget(
    workspace, zendesk
):
    connection = connect(workspace, zendesk)  # account: 200 a minute
    exports, others = [], []
    for tick in range(0, 360):
        now = tick / 2  # every half second for three minutes
        if not ratelimit.take(
            connection, lane="pull", method="GET", path=EXPORT, now=now
        ):
            exports.append(now)
        if tick % 4 == 0 and not ratelimit.take(connection, path="/tickets/1", now=now):
            others.append(now)
    for start in exports:
        assert len([t for t in exports if start <= t < start + 60]) <= 10
    # 5 at once (half the limit), then 5.5 a minute (the rest, a half less).
    assert len(exports) == 21
    # A request every 2 s elsewhere is not held to the export's limit.
    assert len(others) == 90


def _answer(**headers) -> requests.Response:
    response = requests.Response()
    response.status_code = 429
    response.headers.update(headers)
    return response


def test_a_kustomer_429_is_waited_out_by_its_x_ratelimit_reset():
    assert ratelimit.retry_after(_answer(**{"x-ratelimit-reset": "7"})) == 7.0
    in_30_s = time.time() + 30
    assert ratelimit.retry_after(
        _answer(**{"x-ratelimit-reset": str(int(in_30_s))})
    ) == pytest.approx(30, abs=2)
    assert ratelimit.retry_after(
        _answer(**{"x-ratelimit-reset": str(int(in_30_s * 1000))})
    ) == pytest.approx(30, abs=2)
    assert ratelimit.retry_after(_answer(**{"Retry-After": "12"})) == 12.0
    assert ratelimit.retry_after(_answer(**{"x-ratelimit-reset": "soon"})) is None

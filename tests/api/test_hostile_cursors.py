"""A tampered cursor is a 400 naming `cursor`, whatever the list's ordering: a
position that is not a value of the ordering's column (text for a number, 30
February for a time) or is past its range never reaches the database as a query
that fails.

Planted bug, watched failing, reverted: with DRF's CursorPagination (before
helpdesk.lib.api.CursorPagination), `p=1|2**70` under `ordering=priority` raised
ValueError (500); found by tests/security/test_fuzz_routes.py.
"""

import base64
from urllib.parse import urlencode

import pytest

from tests.factories import make_ticket

pytestmark = pytest.mark.django_db
URL = "/api/v1/workspaces/acme/tickets/"


def _cursor(position: str) -> str:
    return base64.b64encode(urlencode({"p": position}).encode()).decode()


@pytest.mark.parametrize(
    ("ordering", "position"),
    [
        ("priority", "1|" + str(2**70)),
        ("priority", "high|x"),
        ("-created", "2026-02-30 10:00:00+00:00"),
        ("number", "²"),
    ],
)
def test_a_tampered_cursor_is_a_400_naming_it(api, workspace, ordering, position):
    make_ticket(workspace, subject="One")

    answer = api.get(URL, {"ordering": ordering, "cursor": _cursor(position)})

    assert answer.status_code == 400, answer.content
    assert answer.json()["errors"] == {"cursor": ["Invalid cursor."]}

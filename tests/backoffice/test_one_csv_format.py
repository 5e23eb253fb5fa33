"""One CSV format: the bulk bar (a selection and "all matching"), the reports page,
the API and the Django admin export the same tickets as the same file: the same
header row, the same cells, the same escaping, at a flat query cost."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import MembershipFactory, make_ticket
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

# OWASP "CSV Injection": a cell starting with = + - @, a tab (0x09) or a carriage
# return (0x0D) is read as a formula; the defence is a leading single quote.
# https://owasp.org/www-community/attacks/CSV_Injection
HOSTILE = {
    '=HYPERLINK("x")': '\'=HYPERLINK("x")',
    "+1": "'+1",
    "-1": "'-1",
    "@x": "'@x",
    "\tx": "'\tx",
    "\rx": "'\rx",
    "Plain subject": "Plain subject",
}


def _rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode(), newline="")))


def _body(response) -> bytes:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def staff_manager_client(client, workspace):
    user = MembershipFactory(
        workspace=workspace,
        role="manager",
        user__username="boss",
        user__is_staff=True,
    ).user
    user.save()
    client.force_login(user)
    return client, user


def _exports(client, user) -> dict[str, bytes]:
    tickets = list(Ticket.objects.order_by("number"))
    bulk = reverse("tickets:bulk", args=["acme"])
    api = APIClient()
    api.force_authenticate(user)
    return {
        "bulk selection": _body(
            client.post(
                bulk, {"action": "export", "numbers": [t.number for t in tickets]}
            )
        ),
        "bulk all matching": _body(
            client.post(bulk, {"action": "export", "all_matching": "1"})
        ),
        "reports page": _body(client.get(reverse("reports:export", args=["acme"]))),
        "api": _body(api.get("/api/v1/workspaces/acme/tickets/export/")),
        "admin action": _body(
            client.post(
                reverse("admin:tickets_ticket_changelist"),
                {"action": "export_csv", "_selected_action": [t.pk for t in tickets]},
            )
        ),
    }


def test_every_export_writes_the_same_header_cells_and_escaping(
    workspace, staff_manager_client
):
    client, user = staff_manager_client
    for text in HOSTILE:  # the subject loses leading blanks; the content keeps them
        make_ticket(workspace, subject=text, content=text, tags=["-minus", "vip"])

    files = {name: _rows(body) for name, body in _exports(client, user).items()}

    headers = {name: rows[0] for name, rows in files.items()}
    assert len({tuple(header) for header in headers.values()}) == 1, headers
    header = headers["reports page"]
    assert len(header) == 26
    for name, rows in files.items():
        contents = sorted(row[header.index("content")] for row in rows[1:])
        assert contents == sorted(HOSTILE.values()), name
        subjects = {row[header.index("subject")] for row in rows[1:]}
        assert {'\'=HYPERLINK("x")', "'+1", "'-1", "'@x"} <= subjects, name
        assert {row[header.index("tags")] for row in rows[1:]} == {"'-minus, vip"}
    bodies = {name: sorted(rows[1:]) for name, rows in files.items()}
    assert all(rows == bodies["reports page"] for rows in bodies.values())


def _queries(client, data) -> int:
    url = reverse("tickets:bulk", args=["acme"])
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, data)
        lines = b"".join(response.streaming_content).splitlines()
    assert len(lines) == Ticket.objects.count() + 1
    return len(captured)


@pytest.mark.parametrize("selection", ["numbers", "all_matching"])
def test_bulk_export_costs_the_same_for_one_ticket_and_thirty(
    workspace, staff_manager_client, selection, settings
):
    """The rows (one cursor read in chunks) and, per chunk, a COPY on PostgreSQL or
    three queries (tags, remote links, SLA clocks) elsewhere, plus the request's
    own, for any count."""
    client, _user = staff_manager_client
    make_ticket(workspace, subject="First")

    def data():
        if selection == "all_matching":
            return {"action": "export", "all_matching": "1"}
        numbers = list(Ticket.objects.values_list("number", flat=True))
        return {"action": "export", "numbers": numbers}

    _queries(client, data())  # warm per-process caches
    one = _queries(client, data())
    for n in range(29):
        make_ticket(workspace, subject=f"T{n}", tags=[f"t{n}"])
    thirty = _queries(client, data())
    assert thirty == one
    settings.EXPORT_CHUNK_SIZE = 10
    per_chunk = 1 if connection.vendor == "postgresql" else 3
    assert _queries(client, data()) == one + per_chunk * 2  # three chunks: two more

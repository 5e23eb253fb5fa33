"""GET /api/v1/workspaces/{slug}/tickets/export/: the one CSV export, with the
list's filters (the file itself is compared with every other export in
tests/backoffice/test_one_csv_format.py)."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import BASE, OTHER
from tests.factories import TeamFactory, make_ticket
from tickets.exports.exporter import HEADERS

pytestmark = pytest.mark.django_db
URL = f"{BASE}/tickets/export/"


def _rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body, newline="")))


def test_export_takes_the_list_filters(workspace, manager_api):
    make_ticket(workspace, subject="Low", priority=1)
    make_ticket(workspace, subject="Urgent", priority=5)

    rows = _rows(manager_api.get(URL, {"priority": "5"}, HTTP_ACCEPT="text/csv"))

    assert [row["subject"] for row in rows] == ["Urgent"]
    assert list(rows[0]) == HEADERS


def test_another_workspaces_ids_are_a_field_error(
    workspace, other_workspace, manager_api
):
    theirs = TeamFactory(workspace=other_workspace)
    response = manager_api.get(URL, {"team": theirs.pk})
    assert response.status_code == 400
    assert "team" in response.json()["errors"]
    assert manager_api.get(f"{OTHER}/tickets/export/").status_code == 404


def test_agents_may_not_export(api):
    assert api.get(URL).status_code == 403


def test_export_queries_do_not_grow_with_rows(workspace, manager_api):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            _rows(manager_api.get(URL))
        return len(captured)

    make_ticket(workspace, subject="One")
    queries()  # warm per-process caches
    one = queries()
    for n in range(29):
        make_ticket(workspace, subject=f"T{n}")
    assert queries() == one

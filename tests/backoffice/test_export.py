import csv
import io
from collections import Counter

import pytest
from django.urls import reverse
from import_export.formats.base_formats import XLSX

from helpdesk.lib.csv import escape_cell, unescape_cell
from tests.factories import (
    ContactFactory,
    LabelFactory,
    MembershipFactory,
    TeamFactory,
    make_ticket,
)
from tests.figures import report
from tickets.exports import exporter, jobs
from tickets.models import ExportJob, Ticket
from tickets.resources import TicketResource

pytestmark = pytest.mark.django_db

# OWASP "CSV Injection": a cell beginning with = + - @, tab (0x09) or carriage
# return (0x0D) may be run as a formula. Written out here, never read from the
# product's own list, so a prefix dropped there fails here. NUL (ASVS 1.2.10) is
# the product's extra claim, checked through escape_cell (PostgreSQL text cannot
# store it, so no exported ticket can start with it).
OWASP_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMULAS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "\0=1+1"]


def _body(response) -> str:
    return b"".join(response.streaming_content).decode()


def _read(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(_body(response), newline="")))


def _ticket_with_text_everywhere(workspace, text: str):
    """A ticket whose every exported text column starts with `text`."""
    user = MembershipFactory(
        workspace=workspace, user__username=f"u{abs(hash(text))}", user__email=""
    ).user
    user.email = f"{text}@example.com"
    user.save()
    parent = LabelFactory(workspace=workspace, name=f"{text} parent")
    label = LabelFactory(workspace=workspace, name=f"{text} child", parent=parent)
    requester = ContactFactory(workspace=workspace, name=f"{text} name", email="")
    requester.email = f"{text}@example.org"
    requester.save()
    return make_ticket(
        workspace,
        subject=f"{text} subject",
        content=f"{text} content",
        assignee=user,
        team=TeamFactory(workspace=workspace, name=f"{text} team"),
        requester=requester,
        label=label,
        tags=[f"{text} tag"],
        topic=f"{text} topic",
        intent=f"{text} intent",
        channel=f"{text}chan"[:50],
    )


@pytest.mark.parametrize("formula", ["=1+1", "+SUM(A1)", "-2+3", "@cmd"])
def test_every_exported_text_column_is_escaped(workspace, manager_client, formula):
    _ticket_with_text_everywhere(workspace, formula)

    response = manager_client.get(reverse("reports:export", args=["acme"]))
    [row] = _read(response)

    text_columns = [
        "subject",
        "assignee_email",
        "team",
        "requester_email",
        "requester_name",
        "tags",
        "label",
        "topic",
        "intent",
        "channel",
        "content",
    ]
    for column in text_columns:
        assert row[column].lower().startswith(("'" + formula).lower()), column
    for column, value in row.items():
        assert not value.startswith(OWASP_PREFIXES), column


def _escape_counts(rows: list[list]) -> tuple[Counter, int]:
    """Cells holding a formula-like text by their first character, and how many of
    them are not escaped."""
    checked: Counter = Counter()
    unescaped = 0
    for cell in (cell for row in rows for cell in row):
        if not isinstance(cell, str):
            continue
        if cell[:1] in OWASP_PREFIXES:
            checked[cell[0]] += 1
            unescaped += 1
        elif cell[:1] == "'" and cell[1:2] in OWASP_PREFIXES:
            checked[cell[1]] += 1
    return checked, unescaped


def test_csv_and_xlsx_exports_escape_every_formula_prefix(workspace, manager_client):
    from openpyxl import load_workbook

    prefixes = OWASP_PREFIXES
    for prefix in prefixes:
        _ticket_with_text_everywhere(workspace, f"{prefix}1+1")

    response = manager_client.get(reverse("reports:export", args=["acme"]))
    csv_rows = list(csv.reader(io.StringIO(_body(response), newline="")))
    dataset = TicketResource().export(Ticket.objects.all())
    workbook = load_workbook(io.BytesIO(XLSX().export_data(dataset)))
    cells = list(workbook.active.iter_rows())
    xlsx_rows = [[cell.value for cell in row] for row in cells]

    # RFC 4180 quoting keeps CR, tabs and commas inside their cells.
    assert len(csv_rows) == len(xlsx_rows) == len(prefixes) + 1
    assert all(len(row) == len(exporter.HEADERS) for row in csv_rows)
    assert not [cell for row in cells for cell in row if cell.data_type == "f"]
    csv_checked, csv_unescaped = _escape_counts(csv_rows)
    xlsx_checked, xlsx_unescaped = _escape_counts(xlsx_rows)
    report(
        "S4",
        {"unescaped": 0, "prefixes_seen_in_csv": len(OWASP_PREFIXES)},
        cells_checked=(csv_checked + xlsx_checked).total(),
        unescaped=csv_unescaped + xlsx_unescaped,
        prefixes_seen_in_csv=len(set(csv_checked)),
    )
    # Each of the 11 text columns starts with = + - @; a leading tab or CR survives
    # in the columns that are not stripped on save (XLSX reads CR back as LF).
    for checked in (csv_checked, xlsx_checked):
        assert all(checked[prefix] >= 11 for prefix in "=+-@"), checked
        assert checked["\t"] >= 1, checked
    assert csv_checked["\r"] >= 1


@pytest.mark.parametrize("formula", FORMULAS)
def test_escape_cell_neutralises_formula_prefixes_and_round_trips(formula):
    escaped = escape_cell(formula)
    assert escaped == "'" + formula
    assert unescape_cell(escaped) == formula


def test_escape_cell_keeps_plain_text_numbers_and_apostrophes_reversible():
    assert escape_cell("Printer") == "Printer"
    assert escape_cell(42) == 42
    assert escape_cell("'quoted") == "''quoted"
    assert unescape_cell("''quoted") == "'quoted"


def test_export_is_a_stream_read_in_chunks(workspace, manager_client, settings):
    for n in range(5):
        make_ticket(workspace, subject=f"Ticket {n}", tags=["a", "b"])
    settings.EXPORT_CHUNK_SIZE = 2

    response = manager_client.get(reverse("reports:export", args=["acme"]))

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    chunks = list(response.streaming_content)
    assert len(chunks) == 6  # header + one chunk per row, never one big body
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode(), newline="")))
    assert [r["subject"] for r in rows] == [f"Ticket {n}" for n in range(4, -1, -1)]
    assert {r["tags"] for r in rows} == {"a, b"}


def test_export_queries_do_not_grow_with_rows(workspace, manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from helpdesk.models import Membership
    from tickets.selectors import ticket_list

    membership = Membership.objects.get(user=manager)

    def queries_for_export() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            lines = list(exporter.iter_csv_lines(ticket_list(membership=membership)))
        return len(captured), len(lines) - 1

    make_ticket(workspace, subject="T", tags=["t"])
    queries_for_export()  # warm per-process caches (content types)
    one, rows = queries_for_export()
    assert rows == 1
    for n in range(29):
        make_ticket(workspace, subject=f"T{n}", tags=[f"t{n}"])
    thirty, rows = queries_for_export()
    assert rows == 30
    assert thirty == one <= 5


def test_export_only_holds_the_members_workspace_and_filters(
    workspace, other_workspace, manager_client
):
    make_ticket(workspace, subject="Ours open")
    make_ticket(workspace, subject="Ours urgent", priority=5)
    make_ticket(other_workspace, subject="Theirs", priority=5)

    rows = _read(
        manager_client.get(reverse("reports:export", args=["acme"]), {"priority": "5"})
    )

    assert [r["subject"] for r in rows] == ["Ours urgent"]
    assert rows[0]["ref"] == "TKT-2"


def test_export_selection_by_numbers(workspace, manager_client):
    for n in range(3):
        make_ticket(workspace, subject=f"T{n}")

    rows = _read(
        manager_client.get(reverse("reports:export", args=["acme"]), {"numbers": "1,3"})
    )

    assert sorted(r["ref"] for r in rows) == ["TKT-1", "TKT-3"]


def test_bad_filter_answers_400(manager_client):
    response = manager_client.get(
        reverse("reports:export", args=["acme"]), {"status": "nope"}
    )
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


def test_large_export_runs_in_background_with_progress_and_download(
    workspace, manager, manager_client, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_BACKGROUND_THRESHOLD = 2
    for n in range(3):
        make_ticket(workspace, subject=f"Big {n}")

    with django_capture_on_commit_callbacks() as callbacks:
        response = manager_client.get(reverse("reports:export", args=["acme"]))

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:export_job", args=["acme", job.pk])
    assert len(callbacks) == 1  # the task is queued once the request commits
    assert (job.state, job.total_rows) == ("pending", 3)
    page = manager_client.get(response["Location"])
    assert b"<progress" in page.content

    jobs.export_tickets_job(job.pk)
    jobs.export_tickets_job(job.pk)  # a second delivery does nothing

    job.refresh_from_db()
    assert (job.state, job.done_rows, job.percent) == ("done", 3, 100)
    status = manager_client.get(
        reverse("reports:export_job", args=["acme", job.pk]), {"format": "json"}
    ).json()
    assert status["download_url"] == reverse(
        "reports:export_download", args=["acme", job.pk]
    )
    download = manager_client.get(status["download_url"])
    body = b"".join(download.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body, newline="")))
    assert sorted(r["subject"] for r in rows) == ["Big 0", "Big 1", "Big 2"]


def test_someone_elses_export_job_is_not_found(workspace, manager_client):
    other = MembershipFactory(workspace=workspace, role="manager").user
    job = ExportJob.objects.create(workspace=workspace, requested_by=other)

    response = manager_client.get(reverse("reports:export_job", args=["acme", job.pk]))

    assert response.status_code == 404


def test_agent_cannot_export(agent_client, workspace):
    make_ticket(workspace)
    assert agent_client.get(reverse("reports:export", args=["acme"])).status_code == 403


def test_sweep_runs_jobs_whose_task_never_arrived(workspace, manager):
    import time_machine
    from django.utils import timezone

    make_ticket(workspace, subject="Waiting")
    fresh = ExportJob.objects.create(workspace=workspace, requested_by=manager)
    with time_machine.travel(timezone.now() - timezone.timedelta(minutes=5)):
        stale = ExportJob.objects.create(workspace=workspace, requested_by=manager)

    assert jobs.export_jobs_sweep() == 1

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.state, stale.done_rows) == ("done", 1)
    assert fresh.state == "pending"


@pytest.fixture
def broker_down():
    """The Celery app's broker is a Redis URL on a port nothing listens on: the
    real publish fails to connect (no mock of .delay)."""
    from helpdesk.celery import app
    from tests.sla.live import free_port

    saved = app.conf.broker_url
    # Both spellings: the Django namespace (CELERY_) key wins over the plain one.
    closed = f"redis://127.0.0.1:{free_port()}/0"
    app.conf.update(CELERY_BROKER_URL=closed, broker_url=closed)
    app._after_fork()  # drop pooled connections to the real broker
    yield closed
    app.conf.update(CELERY_BROKER_URL=saved, broker_url=saved)
    app._after_fork()


def test_broker_down_leaves_the_job_pending_and_the_request_succeeds(
    workspace, manager_client, settings, broker_down, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    settings.EXPORT_BACKGROUND_THRESHOLD = 0
    make_ticket(workspace)
    with pytest.raises(OperationalError):  # the fault is real: nothing listens
        jobs.export_tickets_job.delay(0)

    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = manager_client.get(reverse("reports:export", args=["acme"]))

    assert response.status_code == 302
    assert len(queued) == 1  # the publish was tried, after the commit
    assert ExportJob.objects.get().state == "pending"


def test_search_filter_matches_subject_or_number(workspace, manager_client):
    make_ticket(workspace, subject="Printer on fire")
    make_ticket(workspace, subject="Refund please")

    by_text = _read(
        manager_client.get(reverse("reports:export", args=["acme"]), {"q": "refund"})
    )
    by_number = _read(
        manager_client.get(reverse("reports:export", args=["acme"]), {"q": "#1"})
    )

    assert [r["subject"] for r in by_text] == ["Refund please"]
    assert [r["subject"] for r in by_number] == ["Printer on fire"]

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from helpdesk.models import Membership
from tests.factories import (
    ContactFactory,
    LabelFactory,
    MembershipFactory,
    TeamFactory,
    make_ticket,
)
from tests.figures import report
from tickets import services
from tickets.exports import exporter, importing
from tickets.exports.forms import ImportRowForm
from tickets.models import Ticket, TicketEvent
from tickets.selectors import ticket_list

pytestmark = pytest.mark.django_db

FIELDS = [
    "number",
    "subject",
    "content",
    "status",
    "priority",
    "assignee_id",
    "team_id",
    "requester_id",
    "label_id",
    "topic",
    "intent",
    "channel",
    "confidence",
    "source",
    "version",
    "resolved_at",
    "closed_at",
    "first_responded_at",
    "created_at",
    "updated_at",
]


def _state(workspace) -> list[tuple]:
    rows = []
    for ticket in Ticket.objects.filter(workspace=workspace).order_by("number"):
        values = tuple(getattr(ticket, name) for name in FIELDS)
        tags = tuple(sorted(ticket.tags.values_list("name", flat=True)))
        rows.append((*values, tags))
    return rows


def _csv_file(rows: list[list], name="tickets.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(), "text/csv")


def _membership(user) -> Membership:
    return Membership.objects.select_related("workspace", "user").get(user=user)


def _exported(membership) -> bytes:
    return "".join(exporter.iter_csv_lines(ticket_list(membership=membership))).encode()


@pytest.fixture
def varied_tickets(workspace, manager):
    agent = MembershipFactory(workspace=workspace, user__username="ann").user
    team = TeamFactory(workspace=workspace, name="Billing")
    parent = LabelFactory(workspace=workspace, name="Billing")
    refund = LabelFactory(workspace=workspace, name="Refund", parent=parent)
    requester = ContactFactory(workspace=workspace, name="Zoe", email="zoe@x.org")
    no_email = ContactFactory(
        workspace=workspace, name="Anon", email="", external_id="ext-1"
    )
    make_ticket(
        workspace,
        subject="=HYPERLINK(evil)",
        content='line one\nline two, with comma\r\nand "quotes"',
        priority=5,
        assignee=agent,
        team=team,
        requester=requester,
        label=refund,
        tags=["vip", "-minus"],
        topic="@topic",
        intent="refund",
        channel="web",
        confidence=37,
    )
    t2 = make_ticket(workspace, subject="'quoted already", requester=no_email)
    services.ticket_change_status(ticket=t2, to="resolved", actor=manager)
    make_ticket(workspace, subject="Plain", priority=1, confidence=0, assignee=None)
    return workspace


def test_export_then_import_leaves_every_ticket_unchanged(varied_tickets, manager):
    membership = _membership(manager)
    before = _state(varied_tickets)
    events_before = TicketEvent.objects.count()
    history_before = Ticket.history.count()
    data = _exported(membership)

    result = importing.ticket_import(
        membership=membership,
        upload=SimpleUploadedFile("tickets.csv", data),
        dry_run=False,
    )

    assert result.ok, (result.file_errors, result.errors)
    assert [o.action for o in result.rows] == ["unchanged"] * 3
    assert _state(varied_tickets) == before
    assert TicketEvent.objects.count() == events_before
    assert Ticket.history.count() == history_before
    assert _exported(membership) == data


def test_xlsx_export_of_the_same_rows_imports_unchanged(varied_tickets, manager):
    from openpyxl import Workbook

    membership = _membership(manager)
    # XML (and so XLSX) stores line breaks as LF: keep CR out of this fixture.
    first = Ticket.objects.get(workspace=varied_tickets, number=1)
    services.ticket_update(
        ticket=first,
        actor=manager,
        changes={"content": first.content.replace("\r\n", "\n")},
    )
    before = _state(varied_tickets)
    rows = list(csv.reader(io.StringIO(_exported(membership).decode(), newline="")))
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = importing.ticket_import(
        membership=membership,
        upload=SimpleUploadedFile("tickets.xlsx", buffer.getvalue()),
        dry_run=False,
    )

    assert result.ok, (result.file_errors, result.errors)
    assert _state(varied_tickets) == before


def test_import_creates_and_updates_through_the_services(workspace, manager):
    membership = _membership(manager)
    ticket = make_ticket(workspace, subject="Old subject")
    upload = _csv_file(
        [
            ["ref", "subject", "status", "priority", "tags", "label"],
            [ticket.ref, "New subject", "in_progress", "High", "a, b", ""],
            ["", "Brand new", "", "2", "x", "Billing > Refund"],
        ]
    )

    result = importing.ticket_import(
        membership=membership, upload=upload, dry_run=False
    )

    assert result.ok, result.errors
    assert [(o.action, o.ref) for o in result.rows] == [
        ("update", "TKT-1"),
        ("create", "TKT-2"),
    ]
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.status, ticket.priority) == (
        "New subject",
        "in_progress",
        4,
    )
    kinds = set(
        TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True)
    )
    assert {"metadata_updated", "status_changed", "priority_changed"} <= kinds
    assert {"tags_changed"} <= kinds
    new = Ticket.objects.get(number=2)
    assert (new.source, new.label.path, new.priority) == (
        "import",
        "Billing > Refund",
        2,
    )
    assert new.history.first().history_user == manager
    assert new.events.get().kind == "created"


def test_dry_run_previews_changes_and_writes_nothing(workspace, manager):
    membership = _membership(manager)
    ticket = make_ticket(workspace, subject="Before")
    events = TicketEvent.objects.count()
    upload = _csv_file([["ref", "subject"], [ticket.ref, "After"], ["", "Another"]])

    result = importing.ticket_import(membership=membership, upload=upload)

    assert result.ok and result.dry_run and not result.written
    assert result.rows[0].changes == {"subject": ("Before", "After")}
    assert result.rows[1].action == "create"
    assert Ticket.objects.count() == 1
    assert Ticket.objects.get().subject == "Before"
    assert TicketEvent.objects.count() == events


def _import_errors(membership, rows):
    result = importing.ticket_import(
        membership=membership, upload=_csv_file(rows), dry_run=False
    )
    return result


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [["subject", "priority"], ["Fine", "3"], ["Bad", "9"]],
            (3, "priority", "Priority must be 1-5"),
        ),
        (
            [["subject", "assignee_email"], ["Who", "ghost@example.com"]],
            (2, "assignee_email", "No member of this workspace"),
        ),
        (
            [["subject", "ref"], ["Theirs", "GLX-1"]],
            (2, "ref", "does not use this workspace's prefix"),
        ),
        (
            [["subject", "ref"], ["Missing", "TKT-99"]],
            (2, "ref", "There is no ticket TKT-99"),
        ),
        (
            [["subject", "topic"], ["Ok", "=cmd|' /C calc'!A0"]],
            (2, "topic", "would run as a spreadsheet formula"),
        ),
        (
            [["subject", "status"], ["Ok", "pending-ish"]],
            (2, "status", "Unknown status"),
        ),
        (
            [["subject", "team"], ["Ok", "Nobody"]],
            (2, "team", "There is no team"),
        ),
        (
            [["subject", "confidence"], ["Ok", "101"]],
            (2, "confidence", "Confidence must be 0-100"),
        ),
        (
            [["subject", "tags"], ["Ok", "a, b"], ["Short", "x", "extra cell"]],
            (3, "", "The row has 3 cells"),
        ),
        (
            [["subject"], [""]],
            None,  # a blank row is skipped: header but no rows is a file error
        ),
    ],
)
def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_written(
    workspace, other_workspace, manager, rows, expected
):
    membership = _membership(manager)
    make_ticket(other_workspace, subject="Theirs")
    count = Ticket.objects.count()

    result = _import_errors(membership, rows)

    assert not result.ok and not result.written
    if expected is None:
        assert result.file_errors == ["The file has a header but no rows."]
    else:
        row, column, message = expected
        assert [(e.row, e.column) for e in result.errors] == [(row, column)]
        assert message in result.errors[0].message
    assert Ticket.objects.count() == count


def test_another_workspaces_number_without_prefix_is_not_found_here(
    workspace, other_workspace, manager
):
    membership = _membership(manager)
    theirs = make_ticket(other_workspace, subject="Theirs")

    result = _import_errors(
        membership, [["ref", "subject"], [str(theirs.number), "Hijack"]]
    )

    assert [(e.row, e.column) for e in result.errors] == [(2, "ref")]
    theirs.refresh_from_db()
    assert theirs.subject == "Theirs"


def test_a_failing_row_rolls_back_the_rows_before_it(workspace, manager):
    membership = _membership(manager)
    closed = make_ticket(workspace, subject="Closed", status="closed")
    result = _import_errors(
        membership,
        [
            ["ref", "subject", "status"],
            ["", "Would be created", "open"],
            [closed.ref, "Closed", "open"],  # closed -> open is not allowed
        ],
    )

    assert [(e.row, e.column) for e in result.errors] == [(3, "status")]
    assert Ticket.objects.count() == 1
    assert result.rows == []


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["subject", "colour"], ["x", "red"]], "Unknown column(s): 'colour'"),
        ([["topic"], ["x"]], "Missing required column(s): subject"),
        ([["subject", "subject"], ["x", "y"]], "Duplicate column(s): subject"),
    ],
)
def test_wrong_or_missing_columns_are_file_errors(manager, rows, message):
    result = _import_errors(_membership(manager), rows)
    assert any(message in error for error in result.file_errors)
    assert Ticket.objects.count() == 0


def test_a_20_mb_file_is_refused_before_reading(manager):
    header = b"subject\n"
    big = SimpleUploadedFile("big.csv", header + b"x" * (20 * 1024 * 1024))

    result = importing.ticket_import(
        membership=_membership(manager), upload=big, dry_run=False
    )

    assert result.file_errors == [
        "The file is 20.0 MB; the limit is 5 MB. Split it into smaller files."
    ]


def test_too_many_rows_is_a_file_error(manager, settings):
    settings.IMPORT_MAX_ROWS = 3
    rows = [["subject"]] + [[f"T{n}"] for n in range(4)]

    result = _import_errors(_membership(manager), rows)

    assert result.file_errors == ["The file has 4 rows; the limit is 3 per import."]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("logo.png", b"\x89PNG\r\n\x1a\n\x00\x00binary", "Upload a .csv or .xlsx"),
        ("tickets.csv", b"\x89PNG\r\n\x1a\n\x00\x00binary", "binary data"),
        ("tickets.csv", "subject\ncafé\n".encode("latin-1"), "not a UTF-8 CSV"),
        ("tickets.xlsx", b"PK\x03\x04 not really a workbook", "cannot be read"),
        ("tickets.csv", b"", "empty"),
    ],
)
def test_non_csv_files_are_refused(manager, name, content, message):
    result = importing.ticket_import(
        membership=_membership(manager),
        upload=SimpleUploadedFile(name, content),
        dry_run=False,
    )
    assert len(result.file_errors) == 1
    assert message in result.file_errors[0]
    assert Ticket.objects.count() == 0


def test_import_page_previews_then_confirms_the_same_file(workspace, manager_client):
    upload = _csv_file([["subject", "priority"], ["From the page", "Urgent"]])

    preview = manager_client.post(
        reverse("reports:import", args=["acme"]), {"file": upload}
    )

    assert preview.status_code == 200
    assert b"<td>create</td>" in preview.content
    assert Ticket.objects.count() == 0
    token = preview.context["token"]
    done = manager_client.post(
        reverse("reports:import", args=["acme"]), {"confirm": token}
    )
    assert done.status_code == 200
    assert Ticket.objects.get().priority == 5
    replay = manager_client.post(
        reverse("reports:import", args=["acme"]), {"confirm": token}
    )
    assert replay.status_code == 302
    assert Ticket.objects.count() == 1


def test_import_page_shows_row_errors_with_400(manager_client):
    upload = _csv_file([["subject", "priority"], ["Bad", "nine"]])

    response = manager_client.post(
        reverse("reports:import", args=["acme"]), {"file": upload}
    )

    assert response.status_code == 400
    assert b"Priority must be 1-5" in response.content
    assert Ticket.objects.count() == 0


def test_agent_cannot_import(agent_client):
    upload = _csv_file([["subject"], ["x"]])
    assert agent_client.get(reverse("reports:import", args=["acme"])).status_code == 403
    assert (
        agent_client.post(
            reverse("reports:import", args=["acme"]), {"file": upload}
        ).status_code
        == 403
    )
    assert Ticket.objects.count() == 0


def _xlsx_file(rows: list[list], name="tickets.xlsx") -> SimpleUploadedFile:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)  # "=..." strings become formula cells
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def test_hostile_imports_are_refused_whole(
    workspace, other_workspace, manager, settings
):
    """S5: each file starts with a valid row, then does something it must not; the
    whole file is refused and neither workspace changes."""
    membership = _membership(manager)
    make_ticket(workspace, subject="Ours")
    theirs = [make_ticket(other_workspace, subject=f"Theirs {n}") for n in (1, 2)]
    MembershipFactory(
        workspace=other_workspace, user__username="outsider", user__email="o@x.org"
    )
    TeamFactory(workspace=other_workspace, name="Globex team")
    header = ["ref", "subject", "assignee_email", "team"]
    fine = ["", "A fine new ticket", "", ""]
    many = [["subject"]] + [[f"T{n}"] for n in range(50_000)]
    oversized = b"subject\n" + b"x" * settings.IMPORT_MAX_BYTES
    uploads = {
        "their ref": [header, fine, [theirs[0].ref, "Hijack", "", ""]],
        "their number": [header, fine, ["2", "Hijack", "", ""]],
        "their member": [header, fine, ["", "Mine", "o@x.org", ""]],
        "their team": [header, fine, ["", "Mine", "", "Globex team"]],
        "formula in CSV": [header, fine, ["", "=1+1", "", ""]],
        "50,000 rows": many,
    }
    # case: (the file, its data rows)
    uploads = {case: (_csv_file(rows), len(rows) - 1) for case, rows in uploads.items()}
    xlsx = [header, fine, ["", "=HYPERLINK(x)", "", ""]]
    uploads["formula in XLSX"] = (_xlsx_file(xlsx), 2)
    uploads["over the size cap"] = (SimpleUploadedFile("big.csv", oversized), 1)

    def state():
        return _state(workspace), _state(other_workspace), TicketEvent.objects.count()

    before = state()
    refused, reasons = {}, {}
    partial_imports = rows_rejected = 0
    for case, (upload, rows) in uploads.items():
        result = importing.ticket_import(
            membership=membership, upload=upload, dry_run=False
        )
        refused[case] = not result.ok and not result.written
        reasons[case] = " ".join(
            result.file_errors + [e.message for e in result.errors]
        )
        rows_rejected += rows if refused[case] else 0
        partial_imports += state() != before

    report(
        "S5",
        {"files_refused": len(uploads), "partial_imports": 0},
        files=len(uploads),
        files_refused=sum(refused.values()),
        rows_rejected=rows_rejected,
        partial_imports=partial_imports,
    )
    assert refused == dict.fromkeys(uploads, True)
    expected = {
        "their ref": "does not use this workspace's prefix",
        "their number": "There is no ticket TKT-2",
        "their member": "No member of this workspace",
        "their team": "There is no team 'Globex team'",
        "formula in CSV": "would run as a spreadsheet formula",
        "50,000 rows": "The file has 50000 rows; the limit is 5000",
        "formula in XLSX": "would run as a spreadsheet formula",
        "over the size cap": "the limit is 5 MB",
    }
    assert {case: expected[case] in reasons[case] for case in uploads} == dict.fromkeys(
        uploads, True
    ), reasons


def test_row_form_reads_exactly_the_importable_columns():
    assert set(ImportRowForm.base_fields) == importing.IMPORTABLE
    assert [
        name for name in exporter.HEADERS if name in importing.IMPORTABLE
    ] == importing.TEMPLATE_COLUMNS


def test_import_page_names_the_format_and_offers_the_template(
    workspace, manager, manager_client
):
    page = manager_client.get(reverse("reports:import", args=["acme"]))
    html = page.content.decode()
    template_url = reverse("reports:template", args=["acme"])
    assert f'href="{template_url}"' in html
    for name in exporter.HEADERS:  # every export column, read or ignored
        assert f"<code>{name}</code>" in html, name

    response = manager_client.get(template_url)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, example = list(csv.reader(io.StringIO(response.content.decode())))
    assert header == importing.TEMPLATE_COLUMNS
    assert example[header.index("subject")] == "Refund not received"
    result = importing.ticket_import(
        membership=_membership(manager),
        upload=SimpleUploadedFile("tickets-template.csv", response.content),
        dry_run=False,
    )
    assert result.ok, (result.file_errors, result.errors)
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.priority, ticket.label.path) == (
        "Refund not received",
        4,
        "Billing > Refund",
    )
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["refund", "vip"]


def test_import_template_is_for_importers_only(agent_client):
    url = reverse("reports:template", args=["acme"])
    assert agent_client.get(url).status_code == 403


def test_an_updated_row_changes_fields_and_tags_in_one_history_row(workspace, manager):
    ticket = make_ticket(workspace, subject="Old subject", tags=["gone"])
    history = ticket.history.count()
    upload = _csv_file(
        [["ref", "subject", "priority", "tags"], [ticket.ref, "New", "High", "a, b"]]
    )

    result = importing.ticket_import(
        membership=_membership(manager), upload=upload, dry_run=False
    )

    assert result.ok, result.errors
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.priority, ticket.version) == ("New", 4, 2)
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["a", "b"]
    assert ticket.history.count() == history + 1
    assert ticket.history.first().history_change_reason == (
        "changed priority, subject; tags +a +b -gone"
    )

"""Import tickets from CSV or XLSX: dry-run preview, per-row errors, all-or-nothing.

The file has the export's columns (tickets.export.COLUMNS); only `subject` is
required. A row with a `ref` updates that ticket of the workspace; a row without one
creates a ticket. Every row is applied through tickets.services (events and history
are written), each in a savepoint, and the whole import rolls back if any row fails
or when it is a dry run, so nothing is ever half imported.
"""

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from helpdesk.lib.errors import DomainError
from helpdesk.models import Membership, Team
from helpdesk.services import contact_upsert
from tickets import services, workflow
from tickets.export import COLUMNS, FORMULA_PREFIXES, ticket_row, unescape_cell
from tickets.models import Ticket
from tickets.refs import parse_ref

KNOWN_COLUMNS = [column.name for column in COLUMNS]
IMPORTABLE = {column.name for column in COLUMNS if column.importable}
REQUIRED = ("subject",)
# Which file column a service's field error is about.
COLUMN_FOR_FIELD = {"assignee": "assignee_email", "requester": "requester_email"}
XLSX_MAGIC = b"PK\x03\x04"


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", 5 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", 5000))


@dataclass(frozen=True)
class RowError:
    """What is wrong with one cell (or row, when column is empty) of the file."""

    row: int
    column: str
    message: str


@dataclass
class RowOutcome:
    """What the import did (or, in a dry run, would do) with one row."""

    row: int
    action: str  # "create", "update" or "unchanged"
    ref: str
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class ImportResult:
    dry_run: bool
    file_errors: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: list[RowOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def count(self, action: str) -> int:
        return sum(1 for outcome in self.rows if outcome.action == action)


class ImportFileError(Exception):
    """The file as a whole cannot be read (size, format, columns)."""


class _Rollback(Exception):
    pass


# --- reading the file ---


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def read_table(upload) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of an uploaded CSV or XLSX file, or ImportFileError."""
    size = getattr(upload, "size", None)
    limit = max_bytes()
    if size is not None and size > limit:
        raise ImportFileError(
            f"The file is {size / 1_048_576:.1f} MB; the limit is "
            f"{limit / 1_048_576:.0f} MB. Split it into smaller files."
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ImportFileError(
            f"The file is larger than the {limit / 1_048_576:.0f} MB limit."
        )
    if not data.strip():
        raise ImportFileError("The file is empty.")
    name = (getattr(upload, "name", "") or "").lower()
    if data.startswith(XLSX_MAGIC):
        if not name.endswith(".xlsx"):
            raise ImportFileError("This is not a CSV or XLSX file.")
        table = _read_xlsx(data)
    else:
        if name.endswith(".xlsx") or (name and not name.endswith((".csv", ".txt"))):
            raise ImportFileError("Upload a .csv or .xlsx file (the export's format).")
        table = _read_csv(data)
    if not table:
        raise ImportFileError("The file has no header row.")
    headers = [h.strip().lower() for h in table[0]]
    rows = table[1:]
    if len(rows) > max_rows():
        raise ImportFileError(
            f"The file has {len(rows)} rows; the limit is {max_rows()} per import."
        )
    return headers, rows


def _read_csv(data: bytes) -> list[list[str]]:
    if b"\x00" in data:
        raise ImportFileError("This is not a CSV file (it contains binary data).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            "This is not a UTF-8 CSV file. Save it as 'CSV UTF-8' and try again."
        ) from None
    try:
        return [row for row in csv.reader(io.StringIO(text, newline="")) if row]
    except csv.Error as exc:
        raise ImportFileError(f"The CSV file cannot be read: {exc}.") from None


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - any parse failure is a bad file
        raise ImportFileError("The XLSX file cannot be read.") from None
    sheet = workbook.worksheets[0]
    table = []
    for values in sheet.iter_rows(values_only=True, max_row=max_rows() + 2):
        row = [_cell_text(value) for value in values]
        if any(cell.strip() for cell in row):
            table.append(row)
    workbook.close()
    if sheet.max_row and sheet.max_row > max_rows() + 1:
        raise ImportFileError(
            f"The sheet has {sheet.max_row - 1} rows; the limit is {max_rows()}."
        )
    return table


def check_headers(headers: list[str]) -> list[str]:
    """File errors about the header row (unknown, duplicate or missing columns)."""
    problems = []
    unknown = [h for h in headers if h not in KNOWN_COLUMNS]
    if unknown:
        problems.append(
            f"Unknown column(s): {', '.join(repr(h) for h in unknown)}. "
            f"Use the export's columns: {', '.join(KNOWN_COLUMNS)}."
        )
    duplicates = sorted({h for h in headers if headers.count(h) > 1})
    if duplicates:
        problems.append(f"Duplicate column(s): {', '.join(duplicates)}.")
    missing = [name for name in REQUIRED if name not in headers]
    if missing:
        problems.append(f"Missing required column(s): {', '.join(missing)}.")
    return problems


# --- parsing one row into service arguments ---

STATUS_BY_WORD = {
    **{s.value: s.value for s in workflow.Status},
    **{s.label.lower(): s.value for s in workflow.Status},
}
PRIORITY_BY_WORD = {
    **{str(p.value): p.value for p in Ticket.Priority},
    **{p.label.lower(): p.value for p in Ticket.Priority},
}


@dataclass
class _Row:
    number: int
    ticket: Ticket | None
    values: dict[str, Any]


class _Lookups:
    """The workspace's members, teams and tickets, read once for the whole file."""

    def __init__(self, workspace, numbers: set[int]):
        self.workspace = workspace
        self.members = {
            m.user.email.lower(): m.user
            for m in Membership.objects.filter(workspace=workspace)
            .exclude(user__email="")
            .select_related("user")
        }
        self.teams = {
            t.name.lower(): t for t in Team.objects.filter(workspace=workspace)
        }
        self.tickets = {
            t.number: t
            for t in Ticket.objects.filter(workspace=workspace, number__in=numbers)
            .select_related("workspace", "assignee", "team", "requester", "label")
            .prefetch_related("tags")
        }


def _parse_row(
    line: int, cells: dict[str, str], lookups: _Lookups
) -> tuple[_Row | None, list[RowError]]:
    errors: list[RowError] = []
    values: dict[str, Any] = {}

    def error(column: str, message: str) -> None:
        errors.append(RowError(line, column, message))

    for column, raw in cells.items():
        if raw and raw[0] in FORMULA_PREFIXES:
            error(
                column,
                f"{raw[:30]!r} starts with {raw[0]!r} and would run as a "
                "spreadsheet formula; put an apostrophe in front to keep it as text.",
            )
    if errors:
        return None, errors
    cells = {name: unescape_cell(raw) for name, raw in cells.items()}
    prefix = lookups.workspace.ticket_prefix

    ticket = None
    if cells.get("ref", "").strip():
        try:
            number = parse_ref(cells["ref"], prefix)
        except ValueError as exc:
            error("ref", str(exc))
        else:
            ticket = lookups.tickets.get(number)
            if ticket is None:
                error("ref", f"There is no ticket {prefix}-{number} in this workspace.")
    if "subject" in cells:
        values["subject"] = cells["subject"]
    if "status" in cells:
        word = cells["status"].strip().lower()
        if word or ticket is None:
            if word not in STATUS_BY_WORD and word:
                error(
                    "status",
                    f"Unknown status {cells['status']!r}; use one of "
                    f"{', '.join(workflow.Status.values)}.",
                )
            values["status"] = STATUS_BY_WORD.get(word, workflow.Status.OPEN)
    if "priority" in cells:
        word = cells["priority"].strip().lower()
        if word:
            if word not in PRIORITY_BY_WORD:
                error(
                    "priority",
                    f"Priority must be 1-5 or Lowest, Low, Medium, High, Urgent; "
                    f"got {cells['priority']!r}.",
                )
            values["priority"] = PRIORITY_BY_WORD.get(word)
    if "assignee_email" in cells:
        email = cells["assignee_email"].strip().lower()
        values["assignee"] = lookups.members.get(email) if email else None
        if email and values["assignee"] is None:
            error(
                "assignee_email",
                f"No member of this workspace has the e-mail {email!r}.",
            )
    if "team" in cells:
        name = cells["team"].strip().lower()
        values["team"] = lookups.teams.get(name) if name else None
        if name and values["team"] is None:
            error("team", f"There is no team {cells['team']!r} in this workspace.")
    if "requester_email" in cells:
        email = cells["requester_email"].strip()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                error("requester_email", f"{email!r} is not a valid e-mail address.")
        values["requester_email"] = email
        values["requester_name"] = cells.get("requester_name", "").strip()
    if "tags" in cells:
        values["tags"] = [t for t in cells["tags"].split(",") if t.strip()]
    if "label" in cells:
        values["label"] = cells["label"].strip()
    for name in ("topic", "intent", "channel", "content"):
        if name in cells:
            values[name] = cells[name] if name == "content" else cells[name].strip()
    if "confidence" in cells:
        text = cells["confidence"].strip()
        if not text:
            values["confidence"] = None
        elif text.isdigit() and 0 <= int(text) <= 100:
            values["confidence"] = int(text)
        else:
            error("confidence", f"Confidence must be 0-100, got {text!r}.")
    if ticket is None and not values.get("subject", "").strip() and not errors:
        error("subject", "A new ticket needs a subject.")
    if errors:
        return None, errors
    return _Row(number=line, ticket=ticket, values=values), []


# --- applying ---


def _requester_for(workspace, ticket: Ticket | None, values: dict):
    email, name = values["requester_email"], values["requester_name"]
    if email:
        return contact_upsert(workspace=workspace, email=email, name=name)
    if ticket is not None and ticket.requester and not ticket.requester.email:
        return ticket.requester  # a contact known only by external id stays
    return None


def _apply(row: _Row, workspace, actor) -> RowOutcome:
    values = dict(row.values)
    tags = values.pop("tags", None)
    status = values.pop("status", None)
    if "requester_email" in values:
        values["requester"] = _requester_for(workspace, row.ticket, values)
        values.pop("requester_email")
        values.pop("requester_name")
    if "label" in values:
        path = values.pop("label")
        values["label"] = (
            services.label_get_or_create(workspace=workspace, path=path)
            if path
            else None
        )
    if row.ticket is None:
        values.setdefault("assignee", None)
        values.setdefault("priority", Ticket.Priority.MEDIUM)
        ticket = services.ticket_create(
            workspace=workspace,
            actor=actor,
            status=status or workflow.Status.OPEN,
            tags=tags or (),
            source=Ticket.Source.IMPORT,
            **values,
        )
        return RowOutcome(row=row.number, action="create", ref=ticket.ref)

    before = dict(zip(KNOWN_COLUMNS, ticket_row(row.ticket), strict=True))
    ticket = services.ticket_update(
        ticket=row.ticket, actor=actor, changes=values, status=status, tags=tags
    )
    after = dict(zip(KNOWN_COLUMNS, ticket_row(ticket), strict=True))
    changes = {
        name: (before[name], after[name])
        for name in KNOWN_COLUMNS
        if name in IMPORTABLE and before[name] != after[name]
    }
    return RowOutcome(
        row=row.number,
        action="update" if changes else "unchanged",
        ref=ticket.ref,
        changes=changes,
    )


def _errors_from(line: int, exc: Exception) -> list[RowError]:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return [
            RowError(line, COLUMN_FOR_FIELD.get(name, name), message)
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    if isinstance(exc, ValidationError):
        return [RowError(line, "", message) for message in exc.messages]
    field_name = getattr(exc, "field", None) or ""
    if isinstance(exc, DomainError) and "transition" in type(exc).__name__.lower():
        field_name = field_name or "status"
    return [
        RowError(
            line,
            COLUMN_FOR_FIELD.get(field_name, field_name),
            getattr(exc, "message", str(exc)),
        )
    ]


def ticket_import(
    *, membership: Membership, upload, actor=None, dry_run: bool = True
) -> ImportResult:
    """Read `upload` and create or update the workspace's tickets from it.

    With dry_run (the default) every row is applied and rolled back, so the preview
    shows exactly what a real import will do. Any file or row error writes nothing.
    """
    actor = actor if actor is not None else membership.user
    result = ImportResult(dry_run=dry_run)
    try:
        headers, table = read_table(upload)
    except ImportFileError as exc:
        result.file_errors.append(str(exc))
        return result
    result.file_errors.extend(check_headers(headers))
    if result.file_errors:
        return result

    parsed_cells: list[tuple[int, dict[str, str]]] = []
    for index, cells in enumerate(table, start=2):  # line 1 is the header
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(headers):
            result.errors.append(
                RowError(
                    index,
                    "",
                    f"The row has {len(cells)} cells; the header has {len(headers)}.",
                )
            )
            continue
        parsed_cells.append(
            (
                index,
                {h: c for h, c in zip(headers, cells, strict=True) if h in IMPORTABLE},
            )
        )
    if not parsed_cells and not result.errors:
        result.file_errors.append("The file has a header but no rows.")
        return result

    numbers: dict[int, int] = {}
    for index, cells in parsed_cells:
        try:
            numbers[index] = parse_ref(
                cells.get("ref", ""), membership.workspace.ticket_prefix
            )
        except ValueError:
            continue
    lookups = _Lookups(membership.workspace, set(numbers.values()))
    seen: dict[int, int] = {}
    rows: list[_Row] = []
    for index, cells in parsed_cells:
        number = numbers.get(index)
        if number is not None and number in seen:
            result.errors.append(
                RowError(
                    index, "ref", f"Ticket {number} is also on row {seen[number]}."
                )
            )
            continue
        if number is not None:
            seen[number] = index
        row, errors = _parse_row(index, cells, lookups)
        result.errors.extend(errors)
        if row is not None:
            rows.append(row)
    if result.errors:
        return result

    try:
        with transaction.atomic():
            for row in rows:
                try:
                    with transaction.atomic():
                        result.rows.append(_apply(row, membership.workspace, actor))
                except (ValidationError, DomainError) as exc:
                    result.errors.extend(_errors_from(row.number, exc))
            if dry_run or result.errors:
                raise _Rollback
    except _Rollback:
        pass
    if result.errors:
        result.rows.clear()
    return result

"""Import tickets from CSV or XLSX: dry-run preview, per-row errors, all-or-nothing.

The file has the export's columns (tickets.exports.exporter.COLUMNS; the ones the
import does not read are allowed and ignored); only `subject` is required. Each row
is validated by its own ImportRowForm (tickets.exports.forms), whose errors are the
row's errors. A row with a `ref` updates that ticket of the workspace; a row without
one creates a ticket. Every row is applied through tickets.services (events and
history are written), each in a savepoint, and the whole import rolls back if any
row fails or when it is a dry run, so nothing is ever half imported.
"""

import csv
import io
import itertools
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from helpdesk.lib.errors import DomainError
from helpdesk.models import Membership
from helpdesk.services import contact_upsert
from tickets import services, workflow
from tickets.exports.exporter import COLUMNS, ticket_row
from tickets.exports.forms import ImportLookups, ImportRowForm
from tickets.models import Ticket
from tickets.refs import parse_ref

KNOWN_COLUMNS = [column.name for column in COLUMNS]
IMPORTABLE = {column.name for column in COLUMNS if column.importable}
# Export columns the import accepts and ignores (facts it does not write).
IGNORED_COLUMNS = [name for name in KNOWN_COLUMNS if name not in IMPORTABLE]
REQUIRED = ("subject",)
# Which file column a service's field error is about.
COLUMN_FOR_FIELD = {"assignee": "assignee_email", "requester": "requester_email"}
XLSX_MAGIC = b"PK\x03\x04"
# Read limits, checked while the file streams in (settings.IMPORT_MAX_ROWS and
# IMPORT_MAX_UNCOMPRESSED_BYTES are the others).
MAX_COLUMNS = 100
MAX_CELL_CHARS = 100_000
MAX_TABLE_CHARS = 10_000_000
# The template file offered on the import page: the columns the import reads, in
# the export's order, and one example row that imports as a new ticket.
TEMPLATE_COLUMNS = [name for name in KNOWN_COLUMNS if name in IMPORTABLE]
TEMPLATE_EXAMPLE = {
    "ref": "",
    "subject": "Refund not received",
    "status": "open",
    "priority": "High",
    "assignee_email": "",
    "team": "",
    "requester_email": "jane@example.com",
    "requester_name": "Jane Doe",
    "tags": "refund, vip",
    "label": "Billing > Refund",
    "topic": "billing",
    "intent": "refund_status",
    "channel": "email",
    "confidence": "40",
    "content": "I returned the order two weeks ago and have no refund yet.",
}


def max_bytes() -> int:
    return settings.IMPORT_MAX_BYTES


def max_rows() -> int:
    return settings.IMPORT_MAX_ROWS


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


def _bounded(rows: Iterable[Iterable[Any]]) -> list[list[str]]:
    """The non-blank rows as text, read one at a time and refused as soon as the
    file passes a limit: columns, characters in a cell, characters in all. Past
    the row limit, rows are only counted (for the message), not kept."""
    columns, cell_limit, total_limit = MAX_COLUMNS, MAX_CELL_CHARS, MAX_TABLE_CHARS
    table: list[list[str]] = []
    total = count = 0
    for values in rows:
        row = [_cell_text(value) for value in itertools.islice(values, columns + 1)]
        if not any(cell.strip() for cell in row):
            continue
        count += 1
        if count > max_rows() + 1:
            continue
        if len(row) > columns:
            raise ImportFileError(f"Row {count} has over {columns} columns.")
        longest = max(len(cell) for cell in row)
        if longest > cell_limit:
            raise ImportFileError(
                f"Row {count} has a cell of {longest:,} characters; "
                f"the limit is {cell_limit:,}."
            )
        total += sum(len(cell) for cell in row)
        if total > total_limit:
            raise ImportFileError(f"The file holds over {total_limit:,} characters.")
        table.append(row)
    if count > max_rows() + 1:
        raise ImportFileError(
            f"The file has {count - 1} rows; the limit is {max_rows()} per import."
        )
    return table


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
        return _bounded(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ImportFileError(f"The CSV file cannot be read: {exc}.") from None


def _check_zip(data: bytes) -> None:
    """Refuse an XLSX whose parts decompress past the limit, before reading any
    (zipfile never inflates a member past its declared size)."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError):
        raise ImportFileError("The XLSX file cannot be read.") from None
    limit = settings.IMPORT_MAX_UNCOMPRESSED_BYTES
    size = sum(member.file_size for member in members)
    if len(members) > 1000 or size > limit:
        raise ImportFileError(
            f"The XLSX file unpacks to {size / 1_048_576:,.0f} MB; the limit is "
            f"{limit / 1_048_576:.0f} MB."
        )


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    _check_zip(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        # Streamed row by row (read_only), never the whole sheet at once.
        return _bounded(sheet.iter_rows(values_only=True))
    except ImportFileError:
        raise
    except Exception:  # noqa: BLE001 - any parse failure is a bad file
        raise ImportFileError("The XLSX file cannot be read.") from None
    finally:
        if "workbook" in locals():
            workbook.close()


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


# --- applying ---


def _requester_for(workspace, ticket: Ticket | None, values: dict):
    email, name = values.pop("requester_email"), values.pop("requester_name")
    if email:
        return contact_upsert(workspace=workspace, email=email, name=name)
    if ticket is not None and ticket.requester and not ticket.requester.email:
        return ticket.requester  # a contact known only by external id stays
    return None


def _apply(line: int, form: ImportRowForm, workspace, actor) -> RowOutcome:
    """Create or update the row's ticket through the services."""
    values = form.changes()
    if "requester_email" in values:
        values["requester"] = _requester_for(workspace, form.ticket, values)
    if "label" in values:
        path = values.pop("label")
        values["label"] = (
            services.label_get_or_create(workspace=workspace, path=path)
            if path
            else None
        )
    if form.ticket is None:
        values.setdefault("assignee", None)
        values.setdefault("priority", Ticket.Priority.MEDIUM)
        values.setdefault("status", workflow.Status.OPEN)
        ticket = services.ticket_create(
            workspace=workspace, actor=actor, source=Ticket.Source.IMPORT, **values
        )
        return RowOutcome(row=line, action="create", ref=ticket.ref)
    return _update(line, form.ticket, values, actor)


def _update(line: int, ticket: Ticket, values: dict, actor) -> RowOutcome:
    """Apply the row to its ticket through the one edit path (fields, status and
    tags in one history row)."""
    before = dict(zip(KNOWN_COLUMNS, ticket_row(ticket), strict=True))
    status, tags = values.pop("status", None), values.pop("tags", None)
    ticket = services.ticket_update(
        ticket=ticket, actor=actor, changes=values, status=status, tags=tags
    )
    after = dict(zip(KNOWN_COLUMNS, ticket_row(ticket), strict=True))
    changes = {
        name: (before[name], after[name])
        for name in KNOWN_COLUMNS
        if name in IMPORTABLE and before[name] != after[name]
    }
    return RowOutcome(
        row=line,
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
    cells = _row_cells(headers, table, result)
    if not cells and not result.errors:
        result.file_errors.append("The file has a header but no rows.")
        return result
    forms = _row_forms(membership.workspace, cells, result)
    if not result.errors:
        _apply_all(forms, membership.workspace, actor, result)
    if result.errors:
        result.rows.clear()
    return result


def _row_cells(headers, table, result: ImportResult) -> list[tuple[int, dict]]:
    """(line, {column: cell}) of each non-blank row, importable columns only."""
    rows = []
    for line, cells in enumerate(table, start=2):  # line 1 is the header
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(headers):
            result.errors.append(
                RowError(
                    line,
                    "",
                    f"The row has {len(cells)} cells; the header has {len(headers)}.",
                )
            )
            continue
        named = zip(headers, cells, strict=True)
        rows.append((line, {h: c for h, c in named if h in IMPORTABLE}))
    return rows


def _row_forms(workspace, rows, result: ImportResult) -> list[tuple[int, Any]]:
    """A valid ImportRowForm per row; the invalid rows' errors go to `result`."""
    numbers: dict[int, int] = {}
    for line, cells in rows:
        try:
            numbers[line] = parse_ref(cells.get("ref", ""), workspace.ticket_prefix)
        except ValueError:
            continue
    lookups = ImportLookups(workspace, set(numbers.values()))
    seen: dict[int, int] = {}
    forms = []
    for line, cells in rows:
        number = numbers.get(line)
        if number is not None and number in seen:
            message = f"Ticket {number} is also on row {seen[number]}."
            result.errors.append(RowError(line, "ref", message))
            continue
        if number is not None:
            seen[number] = line
        form = ImportRowForm(cells, lookups=lookups)
        if form.is_valid():
            forms.append((line, form))
        else:
            result.errors.extend(_errors_from(line, ValidationError(form.errors)))
    return forms


def _apply_all(forms, workspace, actor, result: ImportResult) -> None:
    """Apply every row, each in a savepoint; roll all back on an error or dry run."""
    try:
        with transaction.atomic():
            for line, form in forms:
                try:
                    with transaction.atomic():
                        result.rows.append(_apply(line, form, workspace, actor))
                except (ValidationError, DomainError) as exc:
                    result.errors.extend(_errors_from(line, exc))
            if result.dry_run or result.errors:
                raise _Rollback
    except _Rollback:
        pass

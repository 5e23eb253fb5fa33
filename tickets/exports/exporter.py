"""The one ticket CSV format: its columns, formula escaping, and a streamed response
whose memory stays flat whatever the number of rows.

Each column says how to read its cell in Python (`get`, off a values() row) and in
SQL (`sql`, text over the aliases of COPY_SQL). PostgreSQL writes the cells with
`COPY (SELECT ...) TO STDOUT`, a statement per chunk of `settings.EXPORT_CHUNK_SIZE`
tickets (their ids read in the queryset's order by one server-side cursor); other
databases (SQLite) read values() rows and three queries per chunk. Both paths
escape the cells with helpdesk.lib.csv.escape_cell and write them with the same
csv.writer, so the file is the same to the byte (tests/backoffice/test_copy_export.py).

Every ticket export writes this file: the reports page, the bulk bar (a selection or
"all matching"), the Django admin (its action and django-import-export's page, via
tickets.resources), the API and the background export (tickets.exports.jobs).
The import (tickets.exports.importing) reads the same columns back.
"""

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

import django_filters
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import QuerySet
from django.http import QueryDict, StreamingHttpResponse
from django.utils import timezone

from helpdesk.lib.csv import escape_cell
from helpdesk.lib.sql import isoformat_sql
from integrations.models import ExternalLink
from sla.models import SlaTarget
from tickets import workflow
from tickets.filters import TicketFilterSet
from tickets.models import Ticket
from tickets.refs import format_ref
from tickets.selectors import ticket_list


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


@dataclass(frozen=True)
class Column:
    """One exported column: its header, how to read it off an export row (`get`)
    and the same cell as PostgreSQL text (`sql`, over COPY_SQL's aliases)."""

    name: str
    get: Callable[[dict], Any]
    sql: str
    importable: bool = False


# The ticket's own columns and the joined names a row needs, read with values():
# building model instances and prefetching per ticket made an export of a
# million tickets ten times slower.
ROW_FIELDS = (
    "id",
    "number",
    "workspace__ticket_prefix",
    "subject",
    "status",
    "priority",
    "assignee__email",
    "team__name",
    "requester__email",
    "requester__name",
    "label__name",
    "label__parent__name",
    "label__parent__parent__name",
    "source",
    "topic",
    "intent",
    "channel",
    "confidence",
    "content",
    "created_at",
    "first_responded_at",
    "resolved_at",
    "closed_at",
)
PRIORITY_LABELS = dict(Ticket.Priority.choices)


def _label_path(row: dict) -> str:
    names = [
        row["label__parent__parent__name"],
        row["label__parent__name"],
        row["label__name"],
    ]
    return " > ".join(name for name in names if name)


def _iso_sql(column: str) -> str:
    return f"COALESCE({isoformat_sql(column, 'postgresql')}, '')"


def _case_sql(column: str, labels: dict, otherwise: str) -> str:
    """SQL for `labels[column]`: the labels are this module's constants, quoted as
    SQL literals."""
    whens = " ".join(
        f"WHEN {_literal(value)} THEN {_literal(label)}"
        for value, label in labels.items()
    )
    return f"CASE {column} {whens} ELSE {otherwise} END"


def _literal(value) -> str:
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _next_due(row: dict) -> datetime | None:
    """The earliest due time of the ticket's running SLA clocks."""
    running = [
        due for due, fulfilled, paused, _ in row["clocks"] if not (fulfilled or paused)
    ]
    return min(running, default=None)


# Every column of the ticket export, in file order. `importable` columns are read
# back by tickets.exports.importing; the rest are facts the import ignores.
COLUMNS: list[Column] = [
    Column(
        "ref",
        lambda r: format_ref(r["workspace__ticket_prefix"], r["number"]),
        "w.ticket_prefix || '-' || t.number",
        importable=True,
    ),
    Column("subject", lambda r: r["subject"], "t.subject", importable=True),
    Column("status", lambda r: r["status"], "t.status", importable=True),
    Column(
        "status_label",
        lambda r: workflow.label(r["status"]),
        # workflow.label() writes an unknown status as its repr()
        _case_sql(
            "t.status", dict(workflow.Status.choices), "'''' || t.status || ''''"
        ),
    ),
    Column("priority", lambda r: r["priority"], "t.priority::text", importable=True),
    Column(
        "priority_label",
        lambda r: PRIORITY_LABELS.get(r["priority"], ""),
        _case_sql("t.priority", PRIORITY_LABELS, "''"),
    ),
    Column(
        "assignee_email",
        lambda r: r["assignee__email"] or "",
        "COALESCE(a.email, '')",
        importable=True,
    ),
    Column(
        "team",
        lambda r: r["team__name"] or "",
        "COALESCE(tm.name, '')",
        importable=True,
    ),
    Column(
        "requester_email",
        lambda r: r["requester__email"] or "",
        "COALESCE(rq.email, '')",
        importable=True,
    ),
    Column(
        "requester_name",
        lambda r: r["requester__name"] or "",
        "COALESCE(rq.name, '')",
        importable=True,
    ),
    Column(
        "tags",
        lambda r: ", ".join(r["tags"]),
        "COALESCE(tags.names, '')",
        importable=True,
    ),
    Column(
        "label",
        _label_path,
        "concat_ws(' > ', NULLIF(lpp.name, ''), NULLIF(lp.name, ''), "
        "NULLIF(l.name, ''))",
        importable=True,
    ),
    Column("source", lambda r: r["source"], "t.source"),
    Column("topic", lambda r: r["topic"], "t.topic", importable=True),
    Column("intent", lambda r: r["intent"], "t.intent", importable=True),
    Column("channel", lambda r: r["channel"], "t.channel", importable=True),
    Column(
        "confidence",
        lambda r: "" if r["confidence"] is None else r["confidence"],
        "COALESCE(t.confidence::text, '')",
        importable=True,
    ),
    Column("content", lambda r: r["content"], "t.content", importable=True),
    Column("created_at", lambda r: _iso(r["created_at"]), _iso_sql("t.created_at")),
    Column(
        "first_responded_at",
        lambda r: _iso(r["first_responded_at"]),
        _iso_sql("t.first_responded_at"),
    ),
    Column("resolved_at", lambda r: _iso(r["resolved_at"]), _iso_sql("t.resolved_at")),
    Column("closed_at", lambda r: _iso(r["closed_at"]), _iso_sql("t.closed_at")),
    Column(
        "sla_next_due_at",
        lambda r: _iso(_next_due(r)),
        _iso_sql("clocks.next_due"),
    ),
    Column(
        "sla_breached",
        lambda r: "yes" if any(clock[3] for clock in r["clocks"]) else "",
        "CASE WHEN clocks.breached THEN 'yes' ELSE '' END",
    ),
    Column(
        "remote_platform",
        lambda r: ", ".join(p for p, _ in r["links"]),
        "COALESCE(links.platforms, '')",
    ),
    Column(
        "remote_id",
        lambda r: ", ".join(i for _, i in r["links"]),
        "COALESCE(links.ids, '')",
    ),
]
HEADERS = [column.name for column in COLUMNS]


def export_rows(queryset: QuerySet[Ticket]) -> Iterator[dict]:
    """One dict per ticket (ROW_FIELDS plus its tags, links and SLA clocks), read
    in chunks: each chunk costs four queries and only one is held in memory."""
    size = settings.EXPORT_CHUNK_SIZE
    rows = queryset.values(*ROW_FIELDS).iterator(chunk_size=size)
    while chunk := list(islice(rows, size)):
        by_id = {row["id"]: row for row in chunk}
        for row in chunk:
            row.update(tags=[], links=[], clocks=[])
        tagged = Ticket.tags.through.objects.filter(ticket_id__in=by_id)
        for ticket_id, name in tagged.order_by("tag__name").values_list(
            "ticket_id", "tag__name"
        ):
            by_id[ticket_id]["tags"].append(name)
        links = ExternalLink.objects.filter(ticket_id__in=by_id).order_by("pk")
        for ticket_id, platform, remote_id in links.values_list(
            "ticket_id", "platform", "remote_id"
        ):
            by_id[ticket_id]["links"].append((platform, remote_id))
        clocks = SlaTarget.objects.filter(ticket_id__in=by_id)
        for ticket_id, *clock in clocks.values_list(
            "ticket_id", "due_at", "fulfilled_at", "paused_at", "breached_at"
        ):
            by_id[ticket_id]["clocks"].append(tuple(clock))
        yield from chunk


def ticket_row(ticket: Ticket) -> list[Any]:
    """The ticket's cells in COLUMNS order, escaped against formula injection."""
    row = next(export_rows(Ticket.objects.filter(pk=ticket.pk)))
    return [escape_cell(column.get(row)) for column in COLUMNS]


# The cells of a chunk of tickets, in the order of their ids (`%(ids)s`); the
# cells' SQL are the constants of COLUMNS.
COPY_SQL = """
COPY (
    SELECT {cells}
    FROM unnest(%(ids)s::bigint[]) WITH ORDINALITY AS pick(id, n)
    JOIN tickets_ticket t ON t.id = pick.id
    JOIN helpdesk_workspace w ON w.id = t.workspace_id
    LEFT JOIN auth_user a ON a.id = t.assignee_id
    LEFT JOIN helpdesk_team tm ON tm.id = t.team_id
    LEFT JOIN helpdesk_contact rq ON rq.id = t.requester_id
    LEFT JOIN tickets_label l ON l.id = t.label_id
    LEFT JOIN tickets_label lp ON lp.id = l.parent_id
    LEFT JOIN tickets_label lpp ON lpp.id = lp.parent_id
    LEFT JOIN LATERAL (
        SELECT string_agg(g.name, ', ' ORDER BY g.name) AS names
        FROM tickets_ticket_tags tt JOIN tickets_tag g ON g.id = tt.tag_id
        WHERE tt.ticket_id = t.id
    ) tags ON true
    LEFT JOIN LATERAL (
        SELECT string_agg(x.platform, ', ' ORDER BY x.id) AS platforms,
            string_agg(x.remote_id, ', ' ORDER BY x.id) AS ids
        FROM integrations_externallink x WHERE x.ticket_id = t.id
    ) links ON true
    LEFT JOIN LATERAL (
        SELECT min(c.due_at) FILTER (
                WHERE c.fulfilled_at IS NULL AND c.paused_at IS NULL
            ) AS next_due,
            bool_or(c.breached_at IS NOT NULL) AS breached
        FROM sla_slatarget c WHERE c.ticket_id = t.id
    ) clocks ON true
    -- read by primary key whatever the table's statistics say (a join on pick
    -- alone was planned as a scan of every ticket per chunk)
    WHERE t.id = ANY(%(ids)s::bigint[])
    ORDER BY pick.n
) TO STDOUT
""".format(cells=", ".join(column.sql for column in COLUMNS))  # noqa: S608


def _copied_rows(queryset: QuerySet[Ticket]) -> Iterator[tuple[str, ...]]:
    """PostgreSQL: the cells of each chunk of tickets, one COPY per chunk. A chunk
    is read whole before it is handed on, so the caller may query between rows."""
    size = settings.EXPORT_CHUNK_SIZE
    ids = queryset.values_list("pk", flat=True).iterator(chunk_size=size)
    while chunk := list(islice(ids, size)):
        with connection.cursor() as cursor:
            # mogrify: Django's debug cursor passes no parameters to copy()
            statement = cursor.mogrify(COPY_SQL, {"ids": chunk})
            with cursor.copy(statement) as copy:
                copy.set_types(["text"] * len(COLUMNS))
                rows = list(copy.rows())
        yield from rows


def _python_rows(queryset: QuerySet[Ticket]) -> Iterator[list[Any]]:
    """Other databases: the cells read off values() rows."""
    for row in export_rows(queryset):
        yield [column.get(row) for column in COLUMNS]


class _Echo:
    """A file-like object whose write() hands the line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def iter_csv_lines(
    queryset: QuerySet[Ticket],
    *,
    on_progress: Callable[[int], None] | None = None,
    copy: bool | None = None,
) -> Iterator[str]:
    """CSV lines (header first) for the tickets, read from the database in chunks;
    through COPY when `copy` (by default: on PostgreSQL)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADERS)
    if copy is None:
        copy = connection.vendor == "postgresql"
    rows = _copied_rows(queryset) if copy else _python_rows(queryset)
    count = 0
    for row in rows:
        yield writer.writerow([escape_cell(cell) for cell in row])
        count += 1
        if on_progress is not None and count % settings.EXPORT_CHUNK_SIZE == 0:
            on_progress(count)
    if on_progress is not None:
        on_progress(count)


def streaming_csv_response(
    queryset: QuerySet[Ticket], filename: str
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        iter_csv_lines(queryset), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def background_threshold() -> int:
    """Exports of more rows than this run in the background."""
    return settings.EXPORT_BACKGROUND_THRESHOLD


def export_filename(workspace_slug: str) -> str:
    return f"tickets-{workspace_slug}-{timezone.now():%Y%m%d-%H%M%S}.csv"


# --- the filters an export takes: the ticket list's own (TicketFilterSet) ---


def filter_keys() -> list[str]:
    """The GET parameters TicketFilterSet reads (date ranges have two each), plus
    `numbers`, the selection of an export of picked tickets."""
    keys = ["numbers"]
    for name, declared in TicketFilterSet.base_filters.items():
        if isinstance(declared, django_filters.DateFromToRangeFilter):
            keys += [f"{name}_after", f"{name}_before"]
        else:
            keys.append(name)
    return keys


def filter_tickets(membership, params) -> QuerySet[Ticket]:
    """The member's tickets narrowed by the list's filters (`params`: a QueryDict or
    a dict of lists) and, with `numbers=1,2`, to that selection.

    Bad values raise ValidationError naming the parameter; another workspace's ids
    are refused by TicketFilterSet like everywhere else.
    """
    data = QueryDict(mutable=True)
    for key in filter_keys():
        data.setlist(key, values_of(params, key))
    filterset = TicketFilterSet(
        data, ticket_list(membership=membership), membership=membership
    )
    if not filterset.is_valid():
        raise ValidationError(
            {
                name: [str(e) for e in errors]
                for name, errors in filterset.errors.items()
            }
        )
    queryset = filterset.qs
    if numbers := data.getlist("numbers"):
        try:
            picked = [
                int(n) for value in numbers for n in value.split(",") if n.strip()
            ]
        except ValueError:
            raise ValidationError({"numbers": ["Give whole numbers."]}) from None
        queryset = queryset.filter(number__in=picked)
    return queryset


def values_of(params, key: str) -> list[str]:
    if hasattr(params, "getlist"):
        return [v for v in params.getlist(key) if v]
    found = params.get(key) or []
    return [found] if isinstance(found, str) else list(found)

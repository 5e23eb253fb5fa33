"""The SLA beat job: mark due breaches and warnings exactly once, with their timeline
events and their e-mails (to the assignee; on a breach also the team's managers).

A claimed batch costs the same statements whatever its size, and no Python per clock
beyond handing the new events to the event handlers: the clocks are flipped by an
UPDATE ... RETURNING, their events and notifications (subject and body written by
the database) by an INSERT ... SELECT each. On PostgreSQL the three are one
statement, which reads each ticket once; SQLite, which has no UPDATE or INSERT
inside WITH, runs them one after the other.
"""

# ruff: noqa: S608 - the SQL is put together from this module's constants; every
# value is a parameter.
import json
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from helpdesk.actors import SLA_ACTOR, actor_label
from helpdesk.lib.sql import isoformat_sql
from helpdesk.models import Membership, Notification
from sla.models import Metric
from tickets import events
from tickets.models import TicketEvent


@dataclass(frozen=True)
class _Mark:
    """What marking a due clock means: a breach or a warning."""

    due: str  # SQL: which running clocks are due for it
    sets: str  # SQL: the columns it writes
    event: str
    notification: str
    headline: str
    managers: bool  # whether the team's managers are told too


BREACH = _Mark(
    due="due_at <= %(now)s",
    sets="breached_at = %(now)s, warned_at = COALESCE(warned_at, %(now)s)",
    event=TicketEvent.Kind.SLA_BREACHED,
    notification=Notification.Kind.SLA_BREACHED,
    headline="breached",
    managers=True,
)
WARNING = _Mark(
    due="warned_at IS NULL AND warn_at <= %(now)s AND due_at > %(now)s",
    sets="warned_at = %(now)s",
    event=TicketEvent.Kind.SLA_WARNING,
    notification=Notification.Kind.SLA_WARNING,
    headline="at risk",
    managers=False,
)


def sla_sweep(*, now: datetime | None = None, limit: int = 2000) -> dict[str, int]:
    """Mark due breaches, then due warnings, each exactly once.

    Rows are claimed with SKIP LOCKED, so a second sweep running at the same time
    (two beats) skips them and marks nothing twice; a claimed row was re-read when it
    was locked, so it is still due (SQLite runs one writing transaction at a time).
    Each batch is flipped, recorded and notified in one transaction. Reads go
    through the partial indexes sla_target_breach_due and sla_target_warn_due.
    """
    now = now or timezone.now()
    counts = {}
    for name, mark in (("breached", BREACH), ("warned", WARNING)):
        with transaction.atomic():
            recorded = _mark_batch(mark, now, limit)
            events.dispatch(recorded, SLA_ACTOR)
        counts[name] = len(recorded)
    return counts


def _mark_batch(mark: _Mark, now: datetime, limit: int) -> list[TicketEvent]:
    """Flip up to `limit` due clocks; write their events and notifications."""
    created = timezone.now()
    params = {
        "now": connection.ops.adapt_datetimefield_value(now),
        "limit": limit,
        "created": connection.ops.adapt_datetimefield_value(created),
        "event": mark.event,
        "actor": actor_label(SLA_ACTOR),
        "notification": mark.notification,
        "headline": f"SLA {mark.headline}: ",
        "manager": Membership.Role.MANAGER,
        "admin": Membership.Role.ADMIN,
        "pending": Notification.State.PENDING,
        **_METRIC_LABELS,
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH flipped AS ({_flip_sql(mark)} RETURNING {_CLOCK}), "
                f"due AS MATERIALIZED ({_due_sql('flipped')}), "
                f"{_recipients_sql(mark)}, noted AS ({_NOTIFY}) {_RECORD}",
                params,
            )
        else:
            cursor.execute(f"{_flip_sql(mark)} RETURNING id", params)
            params["clocks"] = json.dumps([row[0] for row in cursor.fetchall()])
            flipped = (
                f"(SELECT {_CLOCK} FROM sla_slatarget "
                "WHERE id IN (SELECT value FROM json_each(%(clocks)s)))"
            )
            due = f"WITH due AS ({_due_sql(flipped)})"
            cursor.execute(f"{due}, {_recipients_sql(mark)} {_NOTIFY}", params)
            cursor.execute(f"{due} {_RECORD}", params)
        rows = cursor.fetchall()
    # The written events as the handlers get them: a model per clock, no query.
    db, fields, label = connection.alias, _EVENT_FIELDS, actor_label(SLA_ACTOR)
    return [
        TicketEvent.from_db(
            db,
            fields,
            (
                pk,
                workspace,
                ticket,
                number,
                mark.event,
                None,
                label,
                json.loads(data),
                created,
            ),
        )
        for pk, workspace, ticket, number, data in rows
    ]


_EVENT_FIELDS = [field.attname for field in TicketEvent._meta.concrete_fields]


# --- the SQL of a batch ---

_CLOCK = "id, ticket_id, metric, due_at"


def _flip_sql(mark: _Mark) -> str:
    claim = f"""
        SELECT id FROM sla_slatarget
        WHERE fulfilled_at IS NULL AND paused_at IS NULL AND breached_at IS NULL
            AND {mark.due}
        ORDER BY due_at, id LIMIT %(limit)s
    """
    if connection.vendor == "postgresql":
        # ARRAY(): the claimed rows are updated by primary key (with IN, the
        # planner hashed the claim and scanned the whole table).
        claimed = f"id = ANY(ARRAY({claim} FOR UPDATE SKIP LOCKED))"
    else:
        claimed = f"id IN ({claim})"
    return f"UPDATE sla_slatarget SET {mark.sets} WHERE {claimed}"


# The metric's label (Metric.label), one parameter per metric.
_METRIC_LABELS = {f"metric_{m.value}": str(m.label) for m in Metric}
_METRIC_LABEL = (
    "CASE c.metric "
    + " ".join(f"WHEN '{m.value}' THEN %(metric_{m.value})s" for m in Metric)
    + " END"
)


def _due_sql(flipped: str) -> str:
    """The flipped clocks with what their events and notifications say."""
    vendor = connection.vendor
    json_object = "jsonb_build_object" if vendor == "postgresql" else "json_object"
    due_text = isoformat_sql("c.due_at", vendor)
    return f"""
        SELECT c.id, c.due_at, t.id AS ticket_id, t.workspace_id, t.number,
            t.assignee_id, t.team_id, {due_text} AS due_text,
            {json_object}('metric', c.metric, 'due_at', {due_text}) AS data,
            {_METRIC_LABEL} || ' on ' || w.ticket_prefix || '-' || t.number || ' '
                || t.subject AS about
        FROM {flipped} c
        JOIN tickets_ticket t ON t.id = c.ticket_id
        JOIN helpdesk_workspace w ON w.id = t.workspace_id
    """


def _recipients_sql(mark: _Mark) -> str:
    """Who hears of each clock: its ticket's assignee and, when the mark tells
    managers, the managers and admins among the ticket's team (once each)."""
    managers = """
        UNION
        SELECT due.id, tm.user_id FROM due
        JOIN helpdesk_team_members tm ON tm.team_id = due.team_id
        JOIN helpdesk_membership m ON m.user_id = tm.user_id
            AND m.workspace_id = due.workspace_id
            AND m.role IN (%(manager)s, %(admin)s)
    """
    return f"""recipients AS (
        SELECT id AS clock_id, assignee_id AS user_id FROM due
        WHERE assignee_id IS NOT NULL
        {managers if mark.managers else ""}
    )"""


_NOTIFY = """
    INSERT INTO helpdesk_notification
        (workspace_id, recipient_id, kind, ticket_id, subject, body, state,
         attempts, last_error, created_at)
    SELECT due.workspace_id, u.id, %(notification)s, due.ticket_id,
        substr(%(headline)s || due.about, 1, 200),
        due.about || ' is due at ' || due.due_text || '.',
        %(pending)s, 0, '', %(created)s
    FROM recipients r
    JOIN due ON due.id = r.clock_id
    JOIN auth_user u ON u.id = r.user_id AND u.is_active
    ORDER BY due.due_at, due.id, u.id
"""

_RECORD = """
    INSERT INTO tickets_ticketevent
        (workspace_id, ticket_id, ticket_number, kind, actor_id, actor_label,
         data, created_at)
    SELECT workspace_id, ticket_id, number, %(event)s, NULL, %(actor)s, data,
        %(created)s
    FROM due ORDER BY due_at, id
    RETURNING id, workspace_id, ticket_id, ticket_number, data
"""

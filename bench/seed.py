"""Seed a benchmark workspace with N tickets of realistic shape, fast.

The small reference data (50 agents in 10 teams, labels with sublabels, tags, an SLA
policy, a sync connection) goes through the ORM; the big tables are written with
PostgreSQL COPY in one pass over the ticket numbers: tickets with their history row,
tags, a conversation with messages for AI escalations, comments, events, SLA clocks
and external links. Ticket numbers, sequences and the workspace counter are set as
the services would have left them.
"""

import json
import random
import time
import uuid
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from helpdesk.models import Contact, Membership, Team, Workspace
from integrations.models import Connection
from sla.models import Metric, SlaPolicy, SlaPolicyTarget, SlaTarget
from sla.services.policies import store_next_breach
from tickets.models import NO_BREACH, Label, Tag, Ticket

SLUG = "bench"
PASSWORD = "bench1234"  # noqa: S105 (a local benchmark account)
AGENTS = 50
TEAMS = 10
STATUS_SHARES = [  # how a year of tickets is spread over the statuses
    ("open", 20),
    ("in_progress", 15),
    ("waiting_on_contact", 10),
    ("resolved", 25),
    ("closed", 20),
    ("archived", 10),
]
WORDS = [
    "refund",
    "invoice",
    "login",
    "password",
    "crash",
    "upgrade",
    "export",
    "billing",
    "shipping",
    "order",
    "account",
    "delete",
    "address",
    "payment",
    "card",
    "subscription",
    "coupon",
    "delivery",
    "damaged",
    "late",
]
SLA_MINUTES = {
    1: (1440, 10080),
    2: (480, 7200),
    3: (240, 4320),
    4: (120, 1440),
    5: (60, 480),
}
SPAN = timedelta(days=365)
# The bench user is the manager whose API token the list measures use (assignee=me):
# this share of the assigned tickets is theirs in a fresh seed, and a database
# seeded before that is topped up to BENCH_USER_TICKETS.
BENCH_USER_SHARE = 0.01
BENCH_USER_TICKETS = 100
# Open tickets put in their SLA warning window before the lists are measured.
AT_RISK_TICKETS = 100


def reference_data() -> dict:
    """The workspace and everything the tickets point at (idempotent)."""
    User = get_user_model()
    workspace, _ = Workspace.objects.get_or_create(
        slug=SLUG, defaults={"name": "Bench", "ticket_prefix": "BEN"}
    )
    users, password = [], None
    for index in range(AGENTS + 2):
        role = (
            "agent" if index < AGENTS else ("manager" if index == AGENTS else "admin")
        )
        name = f"bench-{role}-{index}" if role == "agent" else f"bench-{role}"
        user, created = User.objects.get_or_create(
            username=name, defaults={"email": f"{name}@bench.test"}
        )
        if created:
            # One hash for all: each hash costs a deliberate quarter second.
            password = password or make_password(PASSWORD)
            user.password = password
            user.save(update_fields=["password"])
        Membership.objects.get_or_create(
            user=user, workspace=workspace, defaults={"role": role}
        )
        users.append(user)
    agents = users[:AGENTS]
    teams = []
    for index in range(TEAMS):
        team, _ = Team.objects.get_or_create(workspace=workspace, name=f"Team {index}")
        team.members.set(agents[index * 5 : index * 5 + 5])
        teams.append(team)
    labels = []
    for index, parent_name in enumerate(["Billing", "Shipping", "Account", "Product"]):
        parent, _ = Label.objects.get_or_create(workspace=workspace, name=parent_name)
        labels.append(parent)
        for child in range(3):
            sub, _ = Label.objects.get_or_create(
                workspace=workspace,
                name=f"{parent_name} {index}.{child}",
                parent=parent,
            )
            labels.append(sub)
    tags = [Tag.objects.get_or_create(workspace=workspace, name=w)[0] for w in WORDS]
    policy, created = SlaPolicy.objects.get_or_create(
        workspace=workspace, name="Bench standard", defaults={"position": 0}
    )
    if created:
        for priority, (first, resolution) in SLA_MINUTES.items():
            for metric, minutes in (
                (Metric.FIRST_RESPONSE, first),
                (Metric.RESOLUTION, resolution),
            ):
                SlaPolicyTarget.objects.create(
                    policy=policy,
                    priority=priority,
                    metric=metric,
                    minutes=minutes,
                    business_hours=False,
                )
    link_connection = Connection.objects.filter(workspace=workspace).first()
    if link_connection is None:
        link_connection = Connection(
            workspace=workspace,
            platform="zendesk",
            subdomain="bench",
            base_url="http://127.0.0.1:9/api/v2",
            push_enabled=False,
            pull_enabled=False,
        )
        link_connection.set_credentials(
            {"email": "a@bench.test", "api_token": "t" * 20}
        )
        link_connection.save()
    return {
        "workspace": workspace,
        "agents": agents,
        "manager": users[AGENTS],
        "admin": users[AGENTS + 1],
        "teams": teams,
        "labels": labels,
        "tags": tags,
        "policy": policy,
        "connection": link_connection,
    }


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608
        return cursor.fetchone()[0]


def _copy_history(cursor, workspace_id: int, after_number: int) -> None:
    """One history row ("created") per new ticket, as the services write them."""
    columns = ", ".join(TICKET_COLUMNS.split())
    cursor.execute(
        f"INSERT INTO tickets_historicalticket ({columns}, history_date,"  # noqa: S608
        f" history_type) SELECT {columns}, created_at, '+' FROM tickets_ticket"
        " WHERE workspace_id = %s AND number > %s",
        [workspace_id, after_number],
    )


def _copy(raw_cursor, table: str, columns: str, rows) -> int:
    """COPY `rows` into `table` in text format, in blocks of lines (much faster
    than row by row; the values made up here hold no tab, newline or backslash)."""
    written = 0
    names = ", ".join(columns.split())
    with raw_cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # noqa: S608
        block = []
        for row in rows:
            block.append("\t".join(_text(value) for value in row))
            if len(block) == 5000:
                copy.write("\n".join(block) + "\n")
                written += len(block)
                block = []
        if block:
            copy.write("\n".join(block) + "\n")
            written += len(block)
    return written


def _text(value) -> str:
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _without_indexes(cursor, tables):
    """Drop the plain indexes of `tables` (building them once after the load is
    far cheaper than keeping them up to date row by row); returns their SQL."""
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i"
        " JOIN pg_class c ON c.relname = i.indexname JOIN pg_index x"
        " ON x.indexrelid = c.oid WHERE i.tablename = ANY(%s)"
        " AND NOT x.indisunique AND NOT x.indisprimary",
        [list(tables)],
    )
    found = cursor.fetchall()
    for name, _ in found:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in found]


TICKET_COLUMNS = """id number uuid subject content summary summary_by status priority
    topic intent source question answer ai_raw_response confidence channel
    governance_reason
    snoozed_until first_responded_at resolved_at closed_at created_at assignee_id
    created_by_id label_id primary_conversation_id requester_id team_id workspace_id
    escalation_rule_id"""
COLUMNS = {
    "tickets_ticket": TICKET_COLUMNS
    + " updated_at version next_breach_at assignee_unread",
    "tickets_conversation": """id channel external_id handled_by started_at ended_at
        created_at contact_id workspace_id""",
    "tickets_message": """id author_kind author_name body sent_at author_user_id
        conversation_id email_message_id""",
    "tickets_comment": "id author_label body is_public created_at author_id ticket_id",
    "tickets_ticketevent": """id ticket_number kind actor_label data created_at actor_id
        ticket_id workspace_id""",
    "tickets_ticket_tags": "id ticket_id tag_id",
    "sla_slatarget": """id metric cycle target_seconds business_hours warn_percent
        started_at due_at warn_at paused_at paused_seconds fulfilled_at warned_at
        breached_at updated_at policy_id ticket_id workspace_id""",
    "integrations_externallink": """id platform remote_id remote_url remote_status
        remote_assignee_id remote_requester_id last_synced_at remote_updated_at state
        last_error lease_until created_at connection_id ticket_id workspace_id""",
}


@transaction.atomic
def tickets(count: int, *, seed: int = 42) -> dict:
    """Add tickets until the bench workspace holds `count`; returns row counts."""
    ref = reference_data()
    workspace = ref["workspace"]
    have = Ticket.objects.filter(workspace=workspace).count()
    if have >= count:
        return {"tickets": have, "added": 0, "seconds": 0.0}
    started = time.perf_counter()
    known = Contact.objects.filter(workspace=workspace).count()
    contacts = range(known, known + max(100, (count - have) // 10))
    Contact.objects.bulk_create(
        [
            Contact(workspace=workspace, name=f"Customer {i}", email=f"c{i}@x.test")
            for i in contacts
        ],
        batch_size=5000,
    )
    ref["contact_ids"] = list(
        Contact.objects.filter(workspace=workspace).values_list("id", flat=True)
    )
    ref["minutes"] = {
        (t.priority, t.metric): t.minutes for t in ref["policy"].targets.all()
    }
    ids = {table: _next_id(table) for table in COLUMNS}
    shape = _Shape(ref, ids, have, count, random.Random(seed + have))
    counts = {}
    with connection.cursor() as cursor:
        raw = cursor.cursor
        indexes = _without_indexes(cursor, [*COLUMNS, "tickets_historicalticket"])
        # The tickets stream out first; the rows of the child tables are gathered
        # on the way and copied after them.
        for table in COLUMNS:
            counts[table] = _copy(raw, table, COLUMNS[table], shape.rows(table))
        _copy_history(cursor, workspace.pk, have)
        # Check the deferred foreign keys now: indexes cannot be built while
        # their checks are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        for definition in indexes:
            cursor.execute(definition)
        Workspace.objects.filter(pk=workspace.pk).update(next_number=count + 1)
        for table in COLUMNS:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
    with connection.cursor() as cursor:
        for table in [*COLUMNS, "tickets_historicalticket"]:
            cursor.execute(f"ANALYZE {table}")
    counts["seconds"] = round(time.perf_counter() - started, 1)
    counts["added"] = count - have
    return counts


def give_bench_user_tickets(ref: dict) -> int:
    """At least BENCH_USER_TICKETS tickets assigned to the bench user: a database
    seeded before they had any gives them open tickets spread over its newest ones
    (every 97th at scale). Returns how many they have."""
    tickets = Ticket.objects.filter(workspace=ref["workspace"])
    manager = ref["manager"]
    need = BENCH_USER_TICKETS - tickets.filter(assignee=manager).count()
    if need > 0:
        newest = (
            tickets.filter(status="open")
            .exclude(assignee=manager)
            .order_by("-number")
            .values_list("id", flat=True)
        )
        candidates = list(newest[: need * 97])
        ids = candidates[:: max(1, len(candidates) // need)][:need]
        Ticket.objects.filter(id__in=ids).update(assignee=manager)
    return tickets.filter(assignee=manager).count()


def put_at_risk(ref: dict, count: int = AT_RISK_TICKETS) -> int:
    """Put the running clocks of the `count` newest open tickets in their warning
    window (due in two hours, warning since an hour, neither warned nor breached
    yet, as if the sweep had not come by) and store their next breach; returns how
    many tickets that was."""
    now = timezone.now()
    tickets = Ticket.objects.filter(workspace=ref["workspace"], status="open").order_by(
        "-created_at", "-id"
    )
    ids = list(tickets.values_list("id", flat=True)[:count])
    SlaTarget.objects.filter(
        ticket_id__in=ids, fulfilled_at__isnull=True, paused_at__isnull=True
    ).update(
        due_at=now + timedelta(hours=2),
        warn_at=now - timedelta(hours=1),
        warned_at=None,
        breached_at=None,
    )
    store_next_breach(Ticket.objects.filter(id__in=ids))
    return len(ids)


def _clocks(responded, resolved):
    """Each ticket's SLA clocks, with when they were met (None: still running)."""
    return ((Metric.FIRST_RESPONSE, responded), (Metric.RESOLUTION, resolved))


class _Shape:
    """The rows of one seeding run, table by table, from one random stream."""

    def __init__(self, ref: dict, ids: dict, have: int, count: int, rng: random.Random):
        self.ref, self.ids, self.have, self.count, self.rng = ref, ids, have, count, rng
        self.now = timezone.now()
        self.workspace_id = ref["workspace"].pk
        self.children: dict[str, list] = {table: [] for table in COLUMNS}

    def rows(self, table: str):
        if table == "tickets_ticket":
            return self._tickets()
        return self._numbered(table, self.children[table])

    def _numbered(self, table, rows):
        first = self.ids[table]
        for offset, row in enumerate(rows):
            yield (first + offset, *row)

    def _tickets(self):
        rng, ref, now = self.rng, self.ref, self.now
        statuses = [s for s, share in STATUS_SHARES for _ in range(share)]
        agents = [u.pk for u in ref["agents"]]
        teams = [t.pk for t in ref["teams"]]
        team_of = {agent: teams[i // 5] for i, agent in enumerate(agents)}
        labels = [label.pk for label in ref["labels"]]
        first_created = now - SPAN
        ticket_id = self.ids["tickets_ticket"]
        conversation_id = self.ids["tickets_conversation"]
        for number in range(self.have + 1, self.count + 1):
            created = first_created + SPAN * (number / self.count)
            status = statuses[number % len(statuses)]
            priority = rng.choices([1, 2, 3, 4, 5], weights=[10, 25, 40, 18, 7])[0]
            assignee = rng.choice(agents) if rng.random() < 0.8 else None
            team = team_of[assignee] if assignee else rng.choice(teams)
            if assignee and rng.random() < BENCH_USER_SHARE:
                assignee = ref["manager"].pk
            ai = rng.random() < 0.7
            words = rng.sample(WORDS, 4)
            snoozed = None
            if status == "waiting_on_contact" and rng.random() < 0.5:
                snoozed = now + timedelta(hours=rng.randint(1, 240))
            done = status in ("resolved", "closed", "archived")
            resolved = created + timedelta(hours=rng.randint(1, 96)) if done else None
            closed = (
                resolved + timedelta(days=4) if done and status != "resolved" else None
            )
            responded = None
            if status != "open" or rng.random() < 0.3:
                responded = created + timedelta(minutes=rng.randint(5, 600))
            conversation = None
            if ai:
                conversation = conversation_id
                conversation_id += 1
                self._conversation(conversation, created)
            yield (
                ticket_id,
                number,
                uuid.UUID(int=rng.getrandbits(128), version=4),
                f"{words[0].title()} {words[1]}: {words[2]} {words[3]} #{number}",
                f"The customer writes about {words[0]} and {words[2]} (#{number}).",
                "",
                "",
                status,
                priority,
                words[0],
                words[1],
                "ai_escalation" if ai else rng.choice(["agent", "api", "import"]),
                f"How do I {words[2]} my {words[3]}?" if ai else "",
                "I could not find that in the help centre." if ai else "",
                "",
                rng.randint(10, 90) if ai else None,
                "chat" if ai else "",
                "low confidence" if ai else "",
                snoozed,
                responded,
                resolved,
                closed,
                created,
                assignee,
                None,
                rng.choice(labels) if rng.random() < 0.6 else None,
                conversation,
                rng.choice(ref["contact_ids"]),
                team,
                self.workspace_id,
                None,
                resolved or responded or created,
                1,
                min(
                    (
                        self._due(created, priority, metric)
                        for metric, met in _clocks(responded, resolved)
                        if met is None
                    ),
                    default=NO_BREACH,
                ),
                False,
            )
            self._children(
                ticket_id,
                number,
                created,
                status,
                priority,
                assignee,
                responded,
                resolved,
                ai,
            )
            ticket_id += 1

    def _due(self, created, priority: int, metric: str):
        return created + timedelta(minutes=self.ref["minutes"][(priority, metric)])

    def _conversation(self, conversation_id: int, created) -> None:
        messages = self.rng.randint(2, 4)
        started = created - timedelta(minutes=messages)
        self.children["tickets_conversation"].append(
            (
                "chat",
                f"conv-{conversation_id}",
                "ai",
                started,
                created,
                created,
                self.rng.choice(self.ref["contact_ids"]),
                self.workspace_id,
            )
        )
        # Conversation ids are assigned in order, so they are known here already.
        for index in range(messages):
            customer = index % 2 == 0
            self.children["tickets_message"].append(
                (
                    "contact" if customer else "ai",
                    "Customer" if customer else "Assistant",
                    "Hello, I need help with my order."
                    if customer
                    else "Let me pass you to a colleague.",
                    started + timedelta(seconds=20 * index),
                    None,
                    conversation_id,
                    "",
                )
            )

    def _children(
        self,
        ticket_id,
        number,
        created,
        status,
        priority,
        assignee,
        responded,
        resolved,
        ai,
    ) -> None:
        rng, rows, ws = self.rng, self.children, self.workspace_id
        for tag in rng.sample(self.ref["tags"], rng.choice([0, 1, 1, 2, 3])):
            rows["tickets_ticket_tags"].append((ticket_id, tag.pk))
        kind = "escalated" if ai else "created"
        rows["tickets_ticketevent"].append(
            (number, kind, "Bench", "{}", created, None, ticket_id, ws)
        )
        for index in range(rng.choice([0, 1, 1, 2])):
            at = created + timedelta(minutes=30 * (index + 1))
            public = index % 2 == 0
            body = (
                "Replied with the refund steps." if public else "Checked the order log."
            )
            rows["tickets_comment"].append(("", body, public, at, assignee, ticket_id))
            rows["tickets_ticketevent"].append(
                (
                    number,
                    "commented",
                    "Bench",
                    json.dumps({"public": public}),
                    at,
                    None,
                    ticket_id,
                    ws,
                )
            )
        if status != "open":
            rows["tickets_ticketevent"].append(
                (
                    number,
                    "status_changed",
                    "Bench",
                    json.dumps({"from": "open", "to": status}),
                    responded or created,
                    None,
                    ticket_id,
                    ws,
                )
            )
        policy = self.ref["policy"].pk
        for metric, fulfilled in _clocks(responded, resolved):
            minutes = self.ref["minutes"][(priority, metric)]
            due = self._due(created, priority, metric)
            warn = created + timedelta(minutes=minutes * 0.75)
            late = fulfilled > due if fulfilled else due < self.now
            rows["sla_slatarget"].append(
                (
                    metric,
                    1,
                    minutes * 60,
                    False,
                    25,  # warn when a quarter of the time is left, as the policy says
                    created,
                    due,
                    warn,
                    None,
                    0,
                    fulfilled,
                    warn if warn < self.now else None,
                    due if late else None,
                    fulfilled or created,
                    policy,
                    ticket_id,
                    ws,
                )
            )
        if rng.random() < 0.1:
            remote = str(500000 + number)
            rows["integrations_externallink"].append(
                (
                    "zendesk",
                    remote,
                    f"https://bench.zendesk.com/agent/tickets/{remote}",
                    "open",
                    "",
                    "",
                    self.now,
                    self.now,
                    "synced",
                    "",
                    None,
                    self.now,
                    self.ref["connection"].pk,
                    ticket_id,
                    ws,
                )
            )

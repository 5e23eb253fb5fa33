"""PostgreSQL writes the ticket CSV with COPY (tickets.exports.exporter): the file
is the one the Python path writes, to the byte, for every column and the values
that trip CSV writers and spreadsheets (formulas, quotes, commas, line breaks,
unicode, empty and NULL cells, several tags, links and clocks per ticket)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from helpdesk.models import Membership
from integrations.models import Connection, ExternalLink
from sla.models import SlaTarget
from tests.factories import (
    ContactFactory,
    LabelFactory,
    MembershipFactory,
    TeamFactory,
    make_ticket,
)
from tickets.exports import exporter
from tickets.models import Ticket
from tickets.selectors import ticket_list

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="COPY is PostgreSQL's"
    ),
]

T0 = datetime(2024, 3, 4, 9, 0, 0, tzinfo=UTC)
NASTY = [
    '=HYPERLINK("http://x")',
    "+1",
    "-minus",
    "@at",
    "\ttab first",
    "\rreturn first",
    "'apostrophe first",
    'He said "hi", then left',
    "line one\nline two\r\nline three",
    "comma, and ; semicolon",
    "Ünïcödé – ✓ 🎫 עברית",
    "trailing space ",
    "back\\slash and \\N",
]


def _tickets(workspace, manager):
    zendesk = Connection.objects.create(
        workspace=workspace, platform="zendesk", subdomain="acme", push_enabled=False
    )
    gorgias = Connection.objects.create(
        workspace=workspace, platform="gorgias", subdomain="acme", push_enabled=False
    )
    team = TeamFactory(workspace=workspace, name='=Team, "A"')
    root = LabelFactory(workspace=workspace, name="+Billing")
    middle = LabelFactory(workspace=workspace, name="Refunds, partial", parent=root)
    leaf = LabelFactory(workspace=workspace, name="Ünïcödé\nleaf", parent=middle)
    for n, text in enumerate(NASTY):
        requester = ContactFactory(
            workspace=workspace, name=text, email=f"-c{n}@example.com"
        )
        ticket = make_ticket(
            workspace,
            manager,
            subject=f"{n} {text}".strip(),
            content=text,
            topic=text[:100],
            intent=text[:100],
            channel="chat" if n % 2 else "",
            tags=[text.replace(",", " ")[:40], "vip", "zeta", "alpha"],
            priority=1 + n % 5,
            team=team if n % 2 else None,
            label=[leaf, middle, root, None][n % 4],
            requester=requester if n % 3 else None,
            assignee=manager if n % 2 else None,
        )
        Ticket.objects.filter(pk=ticket.pk).update(
            status=["open", "in_progress", "resolved", "closed", "archived"][n % 5],
            confidence=None if n % 3 else 50 + n,
            created_at=T0 + timedelta(minutes=n, microseconds=n * 1001),
            first_responded_at=T0 + timedelta(hours=1) if n % 2 else None,
            resolved_at=T0 + timedelta(hours=2, microseconds=7) if n % 3 else None,
            closed_at=T0 + timedelta(days=1) if n % 4 == 1 else None,
            source="ai_escalation" if n % 2 else "manual",
        )
        if n % 2:
            for conn, remote in ((gorgias, f"=G{n}"), (zendesk, f"Z, {n}")):
                ExternalLink.objects.create(
                    workspace=workspace,
                    connection=conn,
                    ticket=ticket,
                    platform=conn.platform,
                    remote_id=remote,
                )
        for metric, offset in (("first_response", 1), ("resolution", 3)):
            SlaTarget.objects.create(
                workspace=workspace,
                ticket=ticket,
                metric=metric,
                target_seconds=3600,
                started_at=T0,
                due_at=T0 + timedelta(hours=offset, microseconds=n),
                warn_at=T0,
                paused_at=T0 if (n + offset) % 3 == 0 else None,
                fulfilled_at=T0 if (n + offset) % 4 == 0 else None,
                breached_at=T0 if (n + offset) % 5 == 0 else None,
            )


def test_copy_writes_the_same_bytes_as_the_python_path(workspace, manager, settings):
    _tickets(workspace, manager)
    MembershipFactory(workspace=workspace, role="agent")  # not exported, not harmful
    membership = Membership.objects.select_related("workspace").get(user=manager)
    settings.EXPORT_CHUNK_SIZE = 5  # several chunks, the last one short
    queryset = ticket_list(membership=membership)

    python = "".join(exporter.iter_csv_lines(queryset, copy=False)).encode()
    copied = "".join(exporter.iter_csv_lines(queryset, copy=True)).encode()

    assert copied == python
    assert python.count(b"\r\n") > len(NASTY) + 1  # header, rows, quoted breaks
    # The file holds what the values say (not two equally wrong writers).
    assert b'"\'=HYPERLINK(""http://x"")"' in python
    label = '"\'+Billing > Refunds, partial > Ünïcödé\nleaf"'
    assert label.encode() in python
    assert b"2024-03-04T09:01:00.001001+00:00" in python
    assert b'"gorgias, zendesk","\'=G1, Z, 1"' in python


def test_copy_export_costs_the_same_for_one_chunk_and_three(
    workspace, manager, settings
):
    from django.test.utils import CaptureQueriesContext

    membership = Membership.objects.select_related("workspace").get(user=manager)
    settings.EXPORT_CHUNK_SIZE = 4

    def queries(count) -> int:
        while Ticket.objects.count() < count:
            make_ticket(workspace, manager)
        with CaptureQueriesContext(connection) as captured:
            lines = list(exporter.iter_csv_lines(ticket_list(membership=membership)))
        assert len(lines) == count + 1
        return len(captured)

    one, three = queries(4), queries(12)
    # The ids (one query, read by a server-side cursor) and a COPY per chunk.
    assert (one, three) == (1 + 1, 1 + 3)

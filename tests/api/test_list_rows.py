"""The ticket list's fast path (tickets/api/rows.py: values() rows, orjson) answers
exactly what TicketSerializer answers through DRF: the same bytes, for every kind
of field, filter, order, page and time zone."""

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.mixins import ListModelMixin
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate

from helpdesk.models import Membership
from integrations.models import Connection, ExternalLink
from tests.api.conftest import BASE
from tests.factories import (
    ContactFactory,
    LabelFactory,
    TeamFactory,
    UserFactory,
    make_ticket,
)
from tests.sla.conftest import make_policy
from tickets import services
from tickets.api import rows
from tickets.api.serializers import TicketSerializer
from tickets.api.tickets import TicketViewSet
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, 0, 250_000, tzinfo=UTC)
SEEN = START + timedelta(minutes=50)  # some clocks at risk, some breached


class SerializerList(TicketViewSet):
    """The list as DRF answers it: TicketSerializer over model instances, written
    by DRF's JSONRenderer."""

    def get_renderers(self):
        return [JSONRenderer()]

    def list(self, request, *args, **kwargs):
        return ListModelMixin.list(self, request, *args, **kwargs)


@pytest.fixture
def world(workspace, agent):
    """Tickets with every kind of field: names and nulls, a label and a sublabel
    three levels deep, tags, clocks of every state, sync links, a snooze, text
    that JSON must escape."""
    agent.first_name, agent.last_name = "Ada", "Lovelace"
    agent.save()
    unnamed = UserFactory(username="nameless")
    Membership.objects.create(user=unnamed, workspace=workspace, role="agent")
    make_policy(workspace, targets={5: (15, 10, 120), 3: (60, 30, 480)})
    root = LabelFactory(workspace=workspace, name="Billing")
    sub = LabelFactory(workspace=workspace, name="Refunds", parent=root)
    deep = LabelFactory(workspace=workspace, name="Partial", parent=sub)
    connection_ = Connection.objects.create(
        workspace=workspace, platform="zendesk", subdomain="acme", push_enabled=False
    )
    with time_machine.travel(START, tick=False):
        urgent = make_ticket(
            workspace,
            agent,
            subject='Ünïcode "quoted" \\ line\u2028sep\u2029 </script> 🎫',
            priority=5,
            assignee=agent,
            team=TeamFactory(workspace=workspace),
            requester=ContactFactory(workspace=workspace, external_id="ext-1"),
            label=sub,
            tags=["zeta", "alpha", "Mid"],
        )
        plain = make_ticket(workspace, None, subject="Plain", priority=1)
        deep_one = make_ticket(
            workspace, agent, subject="Deep", priority=3, label=deep, assignee=unnamed
        )
        done = make_ticket(workspace, agent, subject="Done", priority=3, label=root)
    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        services.ticket_change_status(ticket=done, to="resolved", actor=agent)
        services.ticket_snooze(
            ticket=deep_one, until=START + timedelta(days=2), actor=agent
        )
        for number in range(20):
            make_ticket(workspace, agent, subject=f"Filler {number}", priority=5)
    ExternalLink.objects.create(
        workspace=workspace,
        connection=connection_,
        ticket=urgent,
        platform="zendesk",
        remote_id="981",
        remote_url="https://acme.zendesk.com/agent/tickets/981",
        state=ExternalLink.State.ERROR,
        last_error="422: subject is required",
        last_synced_at=START + timedelta(seconds=7, microseconds=1),
    )
    ExternalLink.objects.create(
        workspace=workspace, connection=connection_, ticket=plain, platform="zendesk"
    )
    return {"urgent": urgent, "label": sub, "agent": agent}


def _fast(user, params) -> bytes:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(f"{BASE}/tickets/", params)
    assert response.status_code == 200, response.content
    return response.content


def _serializer(user, params) -> bytes:
    request = APIRequestFactory().get(f"{BASE}/tickets/", params)
    force_authenticate(request, user)
    response = SerializerList.as_view({"get": "list"})(request, workspace_slug="acme")
    assert response.status_code == 200, response.data
    return response.render().content


QUERIES = [
    {},
    {"count": "true"},
    {"page_size": "3"},
    {"page_size": "100"},
    {"status": "open"},
    {"ordering": "next_breach"},
    {"ordering": "-priority"},
    {"ordering": "updated"},
    {"q": "filler"},
    {"q": "Ünïcode"},
    {"sla": "at_risk"},
    {"sla": "overdue"},
    {"tags": "alpha"},
    {"assignee": "me"},
    {"assignee": "none"},
    {"snoozed": "all"},
    {"sync_status": "error"},
]


def test_the_fast_list_answers_the_serializers_bytes(world, settings):
    differ = []
    for zone in ("UTC", "Asia/Kolkata", "America/New_York"):
        settings.TIME_ZONE = zone
        for params in QUERIES:
            with time_machine.travel(SEEN, tick=False):
                fast = _fast(world["agent"], params)
                if fast != _serializer(world["agent"], params):
                    differ.append((zone, params))
    assert differ == []


@pytest.mark.parametrize("ordering", ["-created", "next_breach", "-priority"])
def test_every_page_of_a_cursor_walk_is_the_same(world, ordering):
    user, params, pages = world["agent"], {"page_size": 5, "ordering": ordering}, 0
    with time_machine.travel(SEEN, tick=False):
        while params:
            fast = _fast(user, params)
            assert fast == _serializer(user, params)
            link = json.loads(fast)["next"]
            params = dict(parse_qsl(urlsplit(link).query)) if link else None
            pages += 1
    assert pages == 5  # 24 tickets, 5 a page


def test_the_rows_show_what_the_fixture_made(world):
    """The answer itself, beyond being the serializer's: a reference written here."""
    with time_machine.travel(SEEN, tick=False):
        body = _fast(world["agent"], {"q": "Ünïcode"})
    row = json.loads(body)["results"][0]
    assert row["subject"].endswith("</script> 🎫")
    assert b"line\\u2028sep\\u2029" in body
    assert row["label"] == {"id": world["label"].pk, "path": "Billing > Refunds"}
    assert row["tags"] == ["alpha", "mid", "zeta"]  # tag names are lower case
    assert row["assignee"]["name"] == "Ada Lovelace"
    assert [(c["metric"], c["state"], c["time_left_seconds"]) for c in row["sla"]] == [
        ("first_response", "breached", -35 * 60),
        ("resolution", "on_track", 70 * 60),
    ]
    assert row["external_links"][0]["last_synced_at"] == "2026-03-02T09:00:07.250001Z"


def test_the_list_reads_one_query_per_related_set(world, api):
    with CaptureQueriesContext(connection) as captured:
        response = api.get(f"{BASE}/tickets/", {"page_size": 100})
    assert len(response.json()["results"]) == 24
    tables = [
        q["sql"].split(" FROM ")[1].split()[0] for q in captured if " FROM " in q["sql"]
    ]
    assert tables == [
        '"helpdesk_membership"',
        '"tickets_ticket"',
        '"tickets_tag"',
        '"sla_slatarget"',
        '"integrations_externallink"',
        '"tickets_label"',  # the label three levels deep, read whole
        '"tickets_label"',
        '"tickets_label"',
    ]


def test_a_field_the_plan_cannot_read_is_an_error_when_it_is_built():
    class Wider(TicketSerializer):
        mood = serializers.SerializerMethodField()

        class Meta(TicketSerializer.Meta):
            fields = [*TicketSerializer.Meta.fields, "mood"]

        def get_mood(self, ticket) -> str:
            return "calm"

    with pytest.raises(ImproperlyConfigured, match=r"Wider.mood \(\*\) is neither"):
        rows.compile_plan(Wider(), Ticket)

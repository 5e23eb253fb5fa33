"""Macros: a fixed placeholder set rendered escaped (template code refused at save,
inert at render), applied through the one edit path with the reply in one
transaction; managed in the app and the API, scoped to workspace and owner."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from helpdesk.models import Membership
from tests.api.conftest import client_for
from tests.factories import ContactFactory, MembershipFactory, make_ticket
from tests.querycount import assert_same_cost
from tickets import services
from tickets.models import Comment, Macro, TicketEvent

pytestmark = pytest.mark.django_db

INJECTIONS = [
    "{{ settings.SECRET_KEY }}",
    "{% load static %}",
    "{{ ticket.__class__ }}",
    "{{ ticket.requester.__class__.__mro__ }}",
    "{{ ticket.ref|upper }}",
    "{{ request.user.password }}",
    "{% debug %}",
    "{# comment #}",
]


@pytest.fixture
def agent_m(workspace, agent):
    return Membership.objects.get(workspace=workspace, user=agent)


@pytest.fixture
def manager_m(workspace, manager):
    return Membership.objects.get(workspace=workspace, user=manager)


@pytest.fixture
def ticket(workspace):
    requester = ContactFactory(
        workspace=workspace, name="<script>alert(1)</script> Bob", email="b@x.io"
    )
    return make_ticket(workspace, subject="Refund", requester=requester)


@pytest.mark.parametrize("payload", INJECTIONS)
def test_template_code_is_refused_at_save_naming_it(agent_m, payload):
    with pytest.raises(ValidationError) as exc:
        services.macro_create(actor=agent_m, name="Evil", body=f"Hi {payload}")
    (message,) = exc.value.message_dict["body"]
    assert message.startswith(payload)
    assert Macro.objects.count() == 0


@pytest.mark.parametrize("payload", INJECTIONS)
def test_template_code_is_refused_by_the_api_and_the_page(
    client, agent, agent_m, payload
):
    response = client_for(agent).post(
        "/api/v1/workspaces/acme/macros/",
        {"name": "Evil", "body": payload},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["body"][0].startswith(payload)
    client.force_login(agent)
    page = client.post(
        reverse("tickets:macros", args=["acme"]), {"name": "Evil", "body": payload}
    )
    assert page.status_code == 422
    assert Macro.objects.count() == 0


def test_template_code_that_got_stored_stays_inert(workspace, ticket, agent, settings):
    # Written past the checks (e.g. a raw SQL import): rendering leaves it as text.
    macro = Macro.objects.create(
        workspace=workspace,
        name="Raw",
        body="{{ settings.SECRET_KEY }} {% load static %} {{ ticket.ref }}",
    )
    text = services.macro_render(macro=macro, ticket=ticket, agent=agent)
    assert text == "{{ settings.SECRET_KEY }} {% load static %} TKT-1"
    assert settings.SECRET_KEY not in text


def test_placeholders_are_filled_in_and_html_escaped(agent_m, ticket, agent):
    agent.first_name, agent.last_name = "Alex", "O'Neil"
    agent.save()
    macro = services.macro_create(
        actor=agent_m,
        name="Hello",
        body="Hi {{ requester.first_name }}, about {{ ticket.ref }} "
        "({{ticket.subject}}): {{ agent.name }}, {{ workspace.name }}",
    )
    text = services.macro_render(macro=macro, ticket=ticket, agent=agent)
    assert text == (
        "Hi &lt;script&gt;alert(1)&lt;/script&gt;, about TKT-1 (Refund): "
        "Alex O&#x27;Neil, Acme"
    )


def test_the_composer_endpoint_renders_the_macro_escaped(
    client, agent, agent_m, ticket
):
    macro = services.macro_create(
        actor=agent_m,
        name="Hello",
        body="Hi {{ requester.name }}",
        set_status="resolved",
    )
    client.force_login(agent)
    url = reverse("tickets:macro_render", args=["acme", ticket.number])
    html = client.get(url, {"pick": macro.pk}).content.decode()
    assert "<script>alert" not in html
    assert "Hi &amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt; Bob" in html
    assert f'name="macro" value="{macro.pk}"' in html
    assert client.get(url, {"pick": "999999"}).status_code == 404
    assert client.get(url, {"pick": "x"}).status_code == 404


def test_applying_sets_every_field_with_the_reply_in_one_edit(
    workspace, manager_m, agent, ticket
):
    colleague = MembershipFactory(workspace=workspace, role="agent").user
    macro = services.macro_create(
        actor=manager_m,
        personal=False,
        name="Refund done",
        body="Refunded.",
        set_status="waiting_on_contact",
        set_priority=4,
        set_assignee=colleague,
        add_tags=["Refund", "vip"],
    )
    history_before = ticket.history.count()
    comment = services.macro_apply(
        ticket=ticket, macro=macro, actor=agent, body="Refunded, Bob.", is_public=True
    )
    ticket.refresh_from_db()
    assert ticket.status == "waiting_on_contact"
    assert ticket.priority == 4
    assert ticket.assignee == colleague
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["refund", "vip"]
    assert comment.body == "Refunded, Bob." and comment.is_public
    kinds = list(
        TicketEvent.objects.filter(ticket=ticket)
        .exclude(kind__in=["created", "sla_applied"])
        .values_list("kind", flat=True)
    )
    assert kinds == [
        "priority_changed",
        "assigned",
        "status_changed",
        "tags_changed",
        "commented",
    ]
    assigned = TicketEvent.objects.get(ticket=ticket, kind="assigned")
    assert assigned.data["macro"] == "Refund done"
    # One history row for the field changes, one for the reply.
    assert ticket.history.count() == history_before + 2


def test_a_refused_transition_writes_nothing(workspace, manager_m, agent, ticket):
    services.ticket_change_status(ticket=ticket, to="closed", actor=agent)
    macro = services.macro_create(
        actor=manager_m,
        personal=False,
        name="Back to work",
        body="On it.",
        set_status="in_progress",
        set_priority=5,
        add_tags=["urgent"],
    )
    events_before = TicketEvent.objects.count()
    with pytest.raises(Exception, match="Closed"):
        services.macro_apply(ticket=ticket, macro=macro, actor=agent, body="On it.")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == ("closed", 3)
    assert ticket.tags.count() == 0
    assert Comment.objects.count() == 0
    assert TicketEvent.objects.count() == events_before


def test_apply_from_the_panel_form(client, agent, manager_m, ticket):
    macro = services.macro_create(
        actor=manager_m, personal=False, name="Solve", body="x", set_status="resolved"
    )
    client.force_login(agent)
    response = client.post(
        reverse("tickets:comment", args=["acme", ticket.number]),
        {"body": "Solved!", "visibility": "public", "macro": macro.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    assert "Macro “Solve” applied." in response.content.decode()


def test_who_may_make_and_change_which_macros(
    workspace, other_workspace, agent, manager, agent_m, manager_m
):
    agent_api, manager_api = client_for(agent), client_for(manager)
    url = "/api/v1/workspaces/acme/macros/"
    refused = agent_api.post(url, {"name": "W", "personal": False}, format="json")
    assert refused.status_code == 403
    shared = manager_api.post(url, {"name": "W", "personal": False}, format="json")
    assert shared.status_code == 201 and shared.json()["personal"] is False
    mine = agent_api.post(
        url, {"name": "Mine", "body": "{{ agent.name }}"}, format="json"
    )
    assert mine.status_code == 201 and mine.json()["personal"] is True
    # The agent may not change the workspace macro; the manager cannot see the
    # agent's personal one at all.
    assert (
        agent_api.patch(
            f"{url}{shared.json()['id']}/", {"name": "X"}, format="json"
        ).status_code
        == 403
    )
    assert manager_api.get(f"{url}{mine.json()['id']}/").status_code == 404
    assert [m["name"] for m in manager_api.get(url).json()] == ["W"]
    assert [m["name"] for m in agent_api.get(url).json()] == ["Mine", "W"]
    stranger = MembershipFactory(workspace=other_workspace, role="admin").user
    assert client_for(stranger).get(url).status_code == 404
    assert (
        client_for(stranger)
        .get(f"/api/v1/workspaces/globex/macros/{shared.json()['id']}/")
        .status_code
        == 404
    )
    outsider = agent_api.post(
        url, {"name": "Y", "set_assignee": stranger.pk}, format="json"
    )
    assert outsider.status_code == 400
    assert outsider.json()["errors"] == {
        "set_assignee": ["No member with that id in this workspace."]
    }
    assert agent_api.delete(f"{url}{mine.json()['id']}/").status_code == 204


def _macros(workspace, manager_m, n):
    for i in range(n):
        services.macro_create(
            actor=manager_m,
            personal=False,
            name=f"Macro {i:03}",
            body="Hi {{ requester.first_name }}",
            set_assignee=manager_m.user,
            add_tags=["a"],
        )


def _cost(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert fn().status_code == 200
    return len(ctx.captured_queries)


def test_the_macro_list_costs_the_same_for_1_and_50(
    client, workspace, manager, manager_m
):
    api = client_for(manager)
    client.force_login(manager)
    page = reverse("tickets:macros", args=["acme"])
    _macros(workspace, manager_m, 1)
    one_api = _cost(lambda: api.get("/api/v1/workspaces/acme/macros/"))
    one_page = _cost(lambda: client.get(page))
    _macros(workspace, manager_m, 49)
    assert len(api.get("/api/v1/workspaces/acme/macros/").json()) == 50
    assert_same_cost(
        one_api, _cost(lambda: api.get("/api/v1/workspaces/acme/macros/")), 2
    )
    assert_same_cost(one_page, _cost(lambda: client.get(page)), 8)


def test_bad_macro_fields_are_named(agent, agent_m):
    api = client_for(agent)
    url = "/api/v1/workspaces/acme/macros/"
    cases = [
        ({"name": "x", "add_tags": ["a" * 51]}, "add_tags.0"),
        ({"name": "x", "add_tags": ["a,b"]}, "add_tags"),
        ({"name": "x", "set_status": "nope"}, "set_status"),
        ({"name": "x", "set_priority": 9}, "set_priority"),
        ({"name": ""}, "name"),
        ({"name": "x", "add_tags": "a,b"}, "add_tags"),
    ]
    for body, field in cases:
        response = api.post(url, body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert list(response.json()["errors"]) == [field], response.json()
    assert Macro.objects.count() == 0

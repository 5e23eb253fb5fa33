"""The "New ticket" page, its requester autocomplete, and the panel's linked
conversations, through the Django client."""

import pytest
from django.urls import reverse

from helpdesk.models import Contact
from tests.factories import ContactFactory, MembershipFactory, TeamFactory, make_ticket
from tickets import conversations
from tickets.models import Ticket

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client


URL = reverse("tickets:new", args=["acme"])


@pytest.mark.django_db
class TestNewTicket:
    def test_the_form_shows_the_workspaces_teams_and_members(
        self, client_agent, workspace
    ):
        TeamFactory(workspace=workspace, name="Billing")
        html = client_agent.get(URL).content.decode()
        assert 'name="subject"' in html and ">Billing</option>" in html
        assert '<option value="">Me</option>' in html

    def test_an_existing_requester_and_every_field(
        self, client_agent, workspace, agent
    ):
        dana = ContactFactory(workspace=workspace, name="Dana", email="dana@ex.org")
        team = TeamFactory(workspace=workspace)
        other = MembershipFactory(workspace=workspace, role="agent").user
        response = client_agent.post(
            URL,
            {
                "subject": "Printer jam",
                "description": "It **jams**.",
                "requester": dana.pk,
                "priority": 4,
                "team": team.pk,
                "assignee": other.pk,
                "tags": "Hardware, vip",
            },
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("tickets:detail", args=["acme", 1])
        ticket = Ticket.objects.get()
        assert (ticket.subject, ticket.content, ticket.priority) == (
            "Printer jam",
            "It **jams**.",
            4,
        )
        assert (ticket.requester, ticket.team, ticket.assignee) == (dana, team, other)
        assert sorted(ticket.tags.values_list("name", flat=True)) == ["hardware", "vip"]
        assert ticket.source == "agent"

    def test_a_new_requester_is_created_and_the_agent_is_the_default_assignee(
        self, client_agent, workspace, agent
    ):
        response = client_agent.post(
            URL,
            {
                "subject": "Hello",
                "requester_name": "Fox Mulder",
                "requester_email": "fox@ex.org",
                "priority": 3,
            },
        )
        assert response.status_code == 302
        ticket = Ticket.objects.get()
        assert ticket.requester.name == "Fox Mulder"
        assert ticket.requester.email == "fox@ex.org"
        assert ticket.requester.workspace == workspace
        assert ticket.assignee == agent

    @pytest.mark.parametrize(
        "data, message",
        [
            ({"subject": ""}, "This field is required."),
            ({"subject": "x" * 201}, "at most 200 characters"),
            ({"priority": "7"}, "Select a valid choice"),
            ({"team": "999999"}, "No team with that id"),
            ({"assignee": "999999"}, "No member with that id"),
            ({"requester": "abc"}, "No contact with that id"),
            ({"requester_email": "not-an-email"}, "Enter a valid email address."),
            ({"requester_name": "Only A Name"}, "A new requester needs an e-mail"),
            ({"tags": "x" * 60}, "at most"),
        ],
    )
    def test_bad_input_is_422_with_a_form_error_and_writes_nothing(
        self, client_agent, workspace, data, message
    ):
        response = client_agent.post(URL, {"subject": "ok", "priority": 3, **data})
        assert response.status_code == 422
        assert message in response.content.decode()
        assert Ticket.objects.count() == 0
        assert Contact.objects.count() == 0

    def test_another_workspaces_requester_team_and_member_are_refused(
        self, client_agent, workspace, other_workspace
    ):
        foreign_contact = ContactFactory(workspace=other_workspace)
        foreign_team = TeamFactory(workspace=other_workspace)
        foreign_user = MembershipFactory(workspace=other_workspace).user
        response = client_agent.post(
            URL,
            {
                "subject": "x",
                "priority": 3,
                "requester": foreign_contact.pk,
                "team": foreign_team.pk,
                "assignee": foreign_user.pk,
            },
        )
        html = response.content.decode()
        assert response.status_code == 422
        assert "No contact with that id" in html
        assert "No team with that id" in html
        assert "No member with that id" in html
        assert Ticket.objects.count() == 0

    def test_another_workspace_is_404(self, client_agent, other_workspace):
        assert (
            client_agent.get(reverse("tickets:new", args=["globex"])).status_code == 404
        )


@pytest.mark.django_db
def test_requester_autocomplete_finds_by_name_or_email_in_this_workspace_only(
    client_agent, workspace, other_workspace
):
    ContactFactory(workspace=workspace, name="Dana Scully", email="dana@ex.org")
    ContactFactory(workspace=workspace, name="Walter", email="skinner@fbi.gov")
    ContactFactory(workspace=other_workspace, name="Dana Foreign", email="d@x.org")
    url = reverse("tickets:contact_search", args=["acme"])
    html = client_agent.get(url, {"q": "dana"}, **HX).content.decode()
    assert "Dana Scully" in html and "Dana Foreign" not in html
    html = client_agent.get(url, {"q": "FBI"}, **HX).content.decode()
    assert "Walter" in html
    assert client_agent.get(url, {"q": "da\x00na"}, **HX).status_code == 200
    html = client_agent.get(url, {"q": "<b>zz"}, **HX).content.decode()
    assert "No contact matches “&lt;b&gt;zz”" in html


@pytest.mark.django_db
def test_panel_details_link_each_linked_conversation_with_its_icon(
    client_agent, workspace, agent
):
    contact = ContactFactory(workspace=workspace, name="Dana Scully")
    primary = conversations.conversation_create(workspace=workspace, contact=contact)
    human = conversations.conversation_create(
        workspace=workspace, contact=contact, handled_by="human", channel="email"
    )
    ticket = make_ticket(workspace, agent, primary_conversation=primary)
    ticket.associated_conversations.add(human)
    html = client_agent.get(
        reverse("tickets:detail", args=["acme", ticket.number]), **HX
    ).content.decode()
    for conversation in (primary, human):
        url = reverse("tickets:conversation", args=["acme", conversation.pk])
        assert f'href="{url}" class="conv-link"' in html
        assert f'href="{url}?create=1"' in html
    assert 'class="kind-icon ai"' in html and 'class="kind-icon human"' in html
    inbox = reverse("tickets:conversations", args=["acme"])
    assert (
        f'href="{inbox}?contact={contact.pk}" class="small">View conversation in log'
        in html
    )


@pytest.mark.django_db
def test_activity_tab_shows_tool_call_events(client_agent, workspace, agent):
    from tickets.intake import service

    payload = {
        "escalate": True,
        "conversation": {
            "external_id": "tc-1",
            "messages": [
                {"author_kind": "contact", "body": "Where is my parcel?"},
                {
                    "author_kind": "tool",
                    "tool_call": {
                        "name": "track_parcel",
                        "arguments": {"id": "<i>7</i>"},
                        "status": "error",
                    },
                },
            ],
        },
    }
    ticket = service.escalation_intake(
        workspace=workspace, actor=None, payload=payload
    ).ticket
    html = client_agent.get(
        reverse("tickets:detail", args=["acme", ticket.number]),
        {"tab": "activity"},
        **HX,
    ).content.decode()
    assert "<strong>Tool call</strong>" in html
    assert (
        '<span class="mono">track_parcel</span> <span class="badge red">error' in html
    )

"""Ending a conversation: the service, the page's "End conversation" button and the
API's close action. The state "closed" is reached; each ticket the conversation
feeds gets a "Conversation ended" event; another workspace's conversation is 404."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import ContactFactory, make_ticket
from tickets import conversations
from tickets.models import Conversation, TicketEvent

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
API = "/api/v1/workspaces/{slug}/conversations/{pk}/close/"


def chat(workspace, external_id="web-1"):
    contact = ContactFactory(workspace=workspace, name="Dana Scully")
    return conversations.conversation_create(
        workspace=workspace,
        contact=contact,
        external_id=external_id,
        started_at=T0,
        messages=[{"author_kind": "contact", "body": "Hello?", "sent_at": T0}],
    )


def ended_events():
    return list(
        TicketEvent.objects.filter(kind="conversation_ended").values_list(
            "ticket__number", "data"
        )
    )


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client


@pytest.mark.django_db
class TestPage:
    def url(self, conversation, slug="acme"):
        return reverse("tickets:conversation_close", args=[slug, conversation.pk])

    def test_the_button_ends_it_and_the_inbox_lists_it_closed(
        self, client_agent, workspace, agent
    ):
        conversation = chat(workspace)
        ticket = make_ticket(workspace, agent, primary_conversation=conversation)
        page = reverse("tickets:conversation", args=["acme", conversation.pk])
        assert "End conversation" in client_agent.get(page).content.decode()

        response = client_agent.post(self.url(conversation))

        assert response.status_code == 302 and response["Location"] == page
        conversation.refresh_from_db()
        assert conversation.ended_at is not None
        assert ended_events() == [
            (
                ticket.number,
                {"conversation": {"id": conversation.pk, "external_id": "web-1"}},
            )
        ]
        html = client_agent.get(page).content.decode()
        assert "End conversation" not in html and " · ended " in html
        inbox = reverse("tickets:conversations", args=["acme"])
        listed = client_agent.get(inbox, {"state": "closed"}).content.decode()
        assert 'class="badge state-closed">Closed</span>' in listed

    def test_ending_twice_writes_one_event(self, client_agent, workspace, agent):
        conversation = chat(workspace)
        make_ticket(workspace, agent, primary_conversation=conversation)
        client_agent.post(self.url(conversation))
        first = Conversation.objects.get().ended_at
        assert client_agent.post(self.url(conversation)).status_code == 302
        assert Conversation.objects.get().ended_at == first
        assert len(ended_events()) == 1

    def test_another_workspaces_conversation_is_404_and_stays_open(
        self, client_agent, other_workspace
    ):
        foreign = chat(other_workspace)
        assert client_agent.post(self.url(foreign)).status_code == 404
        assert (
            client_agent.post(self.url(foreign, other_workspace.slug)).status_code
            == 404
        )
        huge = "/w/acme/conversations/99999999999999999999/close/"
        assert client_agent.post(huge).status_code == 404
        assert Conversation.objects.get().ended_at is None

    def test_a_get_is_refused(self, client_agent, workspace):
        conversation = chat(workspace)
        assert client_agent.get(self.url(conversation)).status_code == 405
        assert Conversation.objects.get().ended_at is None


@pytest.mark.django_db
class TestApi:
    def test_close_answers_the_ended_conversation(self, workspace, agent):
        api = APIClient()
        api.force_authenticate(agent)
        conversation = chat(workspace)
        response = api.post(API.format(slug="acme", pk=conversation.pk))
        assert response.status_code == 200
        body = response.json()
        assert body["id"] == conversation.pk and body["ended_at"] is not None
        assert api.post(API.format(slug="acme", pk=conversation.pk)).json() == body

    def test_another_workspace_and_bad_ids_are_404(
        self, workspace, other_workspace, agent
    ):
        api = APIClient()
        api.force_authenticate(agent)
        foreign = chat(other_workspace)
        for path in (
            API.format(slug="acme", pk=foreign.pk),
            API.format(slug=other_workspace.slug, pk=foreign.pk),
            API.format(slug="acme", pk="abc"),
            API.format(slug="acme", pk="9" * 25),
        ):
            assert api.post(path).status_code == 404, path
        assert Conversation.objects.get().ended_at is None

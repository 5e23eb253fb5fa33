"""Same action, same result on every surface: a ticket opened from a conversation
in the agent UI, through the API and from the admin action is the same ticket
(the customer's words as subject, a summary, the conversation's contact and
channel), because all three call `ticket_create_from_conversation`."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from helpdesk.models import Contact
from tests.intake.conftest import message
from tickets import conversations
from tickets.models import Conversation, Ticket

pytestmark = pytest.mark.django_db
FIELDS = ("subject", "summary", "summary_by", "requester_id", "channel", "assignee_id")


@pytest.fixture
def conversation(workspace):
    contact = Contact.objects.create(
        workspace=workspace, name="Dana", email="dana@example.org"
    )
    return conversations.conversation_create(
        workspace=workspace,
        channel="web",
        external_id="c1",
        contact=contact,
        messages=[
            message("contact", "My invoice 1234 was charged twice.", 0),
            message("ai", "I could not find the duplicate charge.", 1),
        ],
    )


def _ticket_by_ui(client, agent, conversation) -> Ticket:
    client.force_login(agent)
    url = reverse("tickets:from_conversation", args=["acme", conversation.pk])
    assert client.post(url).status_code == 302
    return Ticket.objects.latest("id")


def _ticket_by_api(agent, conversation) -> Ticket:
    api = APIClient()
    api.force_authenticate(agent)
    url = f"/api/v1/workspaces/acme/conversations/{conversation.pk}/tickets/"
    assert api.post(url, {}, format="json").status_code == 201
    return Ticket.objects.latest("id")


def _ticket_by_admin(monkeypatch, agent, conversation) -> Ticket:
    admin = site._registry[Conversation]
    request = RequestFactory().post("/admin/")
    request.user = agent
    monkeypatch.setattr(admin, "message_user", lambda *args, **kwargs: None)
    admin.create_ticket(request, Conversation.objects.filter(pk=conversation.pk))
    return Ticket.objects.latest("id")


def test_ui_api_and_admin_open_the_same_ticket(
    monkeypatch, client, agent, conversation
):
    made = [
        _ticket_by_ui(client, agent, conversation),
        _ticket_by_api(agent, conversation),
        _ticket_by_admin(monkeypatch, agent, conversation),
    ]
    shapes = {tuple(getattr(t, name) for name in FIELDS) for t in made}
    assert len(shapes) == 1, shapes
    ui = made[0]
    assert ui.subject == "My invoice 1234 was charged twice."
    assert ui.summary.startswith("Customer: My invoice 1234 was charged twice.")
    assert ui.summary_by == "tickets.intake.summaries.local_summary"
    assert {t.primary_conversation_id for t in made} == {conversation.pk}


def test_ui_subject_when_given_is_kept(client, agent, conversation):
    client.force_login(agent)
    url = reverse("tickets:from_conversation", args=["acme", conversation.pk])
    client.post(url, {"subject": "Double charge"})
    ticket = Ticket.objects.get()
    assert ticket.subject == "Double charge"
    assert ticket.summary

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.factories import ContactFactory, ConversationFactory, make_ticket
from tickets.intake import inbound
from tickets.models import Ticket

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def chat(workspace, agent):
    """A ticket assigned to `agent` fed by a chat with Dana Customer."""
    contact = ContactFactory(workspace=workspace, name="Dana Customer", email="d@x.io")
    conversation = ConversationFactory(workspace=workspace, contact=contact)
    ticket = make_ticket(workspace, agent, subject="Printer", assignee=agent)
    Ticket.objects.filter(pk=ticket.pk).update(primary_conversation=conversation)
    ticket.refresh_from_db()
    return conversation, ticket


def customer_writes(conversation, body, sent_at=None):
    sent_at = sent_at or timezone.now()
    return inbound.conversation_add_messages(
        conversation=conversation,
        messages=[
            {
                "author_kind": "contact",
                "body": body,
                "sent_at": sent_at.isoformat(),
            }
        ],
    )

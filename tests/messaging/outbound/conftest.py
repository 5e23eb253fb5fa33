import pytest
from django.utils import timezone

from messaging import services
from tests.factories import ContactFactory, ConversationFactory, make_ticket
from tests.fakes.chat_receiver import ChatReceiver
from tests.fakes.smtp_sink import SmtpSink

SECRET = "whsec_0123456789abcdef0123"


@pytest.fixture
def receiver():
    server = ChatReceiver(SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def smtp(settings):
    sink = SmtpSink().start()
    sink.use(settings)
    yield sink
    sink.stop()


@pytest.fixture
def local_urls(settings):
    settings.SYNC_ALLOW_LOCAL_URLS = True


@pytest.fixture
def chat_channel(workspace, receiver, local_urls):
    return services.channel_save(
        workspace=workspace,
        actor=None,
        values={"kind": "chat", "callback_url": receiver.url, "secret": SECRET},
    )


@pytest.fixture
def email_channel(workspace):
    return services.channel_save(
        workspace=workspace,
        actor=None,
        values={
            "kind": "email",
            "from_email": "support@acme.example",
            "from_name": "Acme Support",
            "signature": "Acme Support team",
        },
    )


@pytest.fixture
def customer(workspace):
    return ContactFactory(
        workspace=workspace, name="Dana Smith", email="dana@customer.example"
    )


def chat_ticket(workspace, customer, *, ended=False, external_id="chat-77"):
    """A ticket whose primary conversation is the customer's chat."""
    conversation = ConversationFactory(
        workspace=workspace,
        contact=customer,
        external_id=external_id,
        ended_at=timezone.now() if ended else None,
    )
    return make_ticket(
        workspace,
        subject="Printer on fire",
        requester=customer,
        primary_conversation=conversation,
    )

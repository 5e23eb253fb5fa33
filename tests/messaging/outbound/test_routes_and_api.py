"""Which way a reply goes, the agent's choice, one delivery per reply on synced
tickets, the channels API and page (bad input names the field), the cursor
endpoint for platforms without callbacks, and the partials."""

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from integrations.models import Connection
from messaging import delivery
from messaging.models import Channel, Delivery
from tests.api.conftest import client_for
from tests.messaging.outbound.conftest import SECRET, chat_ticket
from tickets import services
from tickets.models import Message

pytestmark = pytest.mark.django_db

API = "/api/v1/workspaces/acme"


def _reply(ticket, agent, body="Hello", **kwargs):
    return services.comment_add(
        ticket=ticket, actor=agent, body=body, is_public=True, **kwargs
    )


# --- which way ---


def test_live_chat_goes_to_the_chat_and_an_ended_one_by_email(
    workspace, agent, customer, chat_channel, email_channel
):
    live = chat_ticket(workspace, customer, external_id="live")
    ended = chat_ticket(workspace, customer, external_id="over", ended=True)
    _reply(live, agent)
    _reply(ended, agent)
    assert [(d.ticket_id, d.route, d.recipient) for d in Delivery.objects.all()] == [
        (live.pk, "chat", "live"),
        (ended.pk, "email", "dana@customer.example"),
    ]


def test_the_agent_may_switch_a_live_chat_reply_to_email(
    workspace, agent, customer, chat_channel, email_channel
):
    ticket = chat_ticket(workspace, customer)
    _reply(ticket, agent, route="email")
    assert Delivery.objects.get().route == "email"


def test_asking_for_the_chat_of_an_ended_conversation_is_a_400_on_route(
    workspace, agent, customer, chat_channel, email_channel
):
    ticket = chat_ticket(workspace, customer, ended=True)
    response = client_for(agent).post(
        f"{API}/tickets/{ticket.ref}/comments/",
        {"body": "Hi", "is_public": True, "route": "chat"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["route"]
    assert not ticket.comments.exists()  # nothing partly written
    assert not Delivery.objects.exists()


def test_an_unknown_route_is_a_400_naming_it(workspace, agent, customer):
    ticket = chat_ticket(workspace, customer)
    response = client_for(agent).post(
        f"{API}/tickets/{ticket.ref}/comments/",
        {"body": "Hi", "is_public": True, "route": "pigeon"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["route"]


def test_no_channel_stores_the_reply_and_sends_nothing(workspace, agent, customer):
    ticket = chat_ticket(workspace, customer)
    _reply(ticket, agent)
    assert not Delivery.objects.exists()


def _connection(workspace, platform):
    connection = Connection(workspace=workspace, platform=platform, subdomain="acme")
    connection.set_credentials({"email": "a@acme.test", "api_token": "t" * 12})
    connection.save()
    return connection


def test_a_zendesk_synced_reply_is_delivered_by_zendesk_only(
    workspace, agent, customer, chat_channel, email_channel
):
    _connection(workspace, "zendesk")
    ticket = chat_ticket(workspace, customer)  # the sync links it on creation
    _reply(ticket, agent)
    row = Delivery.objects.get()
    assert (row.route, row.state, row.platform) == ("platform", "handed_off", "zendesk")
    assert row.reason == "Sent to the customer by Zendesk."
    assert delivery.drain().sent == 0


@pytest.mark.parametrize("platform", ["gorgias", "kustomer"])
def test_a_gorgias_or_kustomer_synced_reply_is_ours_to_deliver(
    workspace, agent, customer, chat_channel, email_channel, platform
):
    _connection(workspace, platform)
    ticket = chat_ticket(workspace, customer)
    _reply(ticket, agent)
    assert Delivery.objects.get().route == "chat"


# --- the channels API ---


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"kind": "chat", "callback_url": "http://chat.example/hook"},
            "callback_url",
            "Only https URLs are allowed, not http://.",
        ),
        (
            {"kind": "chat", "callback_url": "https://10.0.0.5/hook"},
            "callback_url",
            "10.0.0.5 is a private IP address; give a host name.",
        ),
        (
            {"kind": "chat", "callback_url": "https://169.254.169.254/latest"},
            "callback_url",
            "169.254.169.254 is a private IP address; give a host name.",
        ),
        (
            {"kind": "chat", "callback_url": "https://localhost/hook"},
            "callback_url",
            "localhost resolves to a non-public address 127.0.0.1.",
        ),
        ({"kind": "chat"}, "callback_url", "Give the callback URL."),
        (
            {"kind": "chat", "callback_url": "https://93.184.215.14/x"},
            "callback_url",
            "93.184.215.14 is a public IP address; give a host name.",
        ),
        ({"kind": "email"}, "from_email", "Give the sender address."),
        (
            {"kind": "email", "from_email": "not-an-address"},
            "from_email",
            "Enter a valid email address.",
        ),
        ({"kind": "fax"}, "kind", '"fax" is not a valid choice.'),
        (
            {"kind": "chat", "callback_url": "https://x", "secret": "short"},
            "secret",
            "Ensure this field has at least 16 characters.",
        ),
    ],
)
def test_bad_channel_input_is_a_400_naming_the_field(
    workspace, manager, body, field, message
):
    response = client_for(manager).post(f"{API}/channels/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {field: [message]}
    assert not Channel.objects.exists()


def test_a_chat_channel_without_secret_is_a_400_on_secret(
    workspace, manager, local_urls
):
    response = client_for(manager).post(
        f"{API}/channels/",
        {"kind": "chat", "callback_url": "http://127.0.0.1:9/hook"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "secret": ["Give a signing secret of 16+ characters."]
    }


def test_a_manager_sets_up_the_chat_callback_and_the_secret_stays_hidden(
    workspace, manager, local_urls
):
    api = client_for(manager)
    response = api.post(
        f"{API}/channels/",
        {"kind": "chat", "callback_url": "http://127.0.0.1:9/hook", "secret": SECRET},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["secret_hint"] == "••••0123"
    assert "secret" not in body
    channel = Channel.objects.get()
    assert channel.secret == SECRET
    assert SECRET not in channel.secret_encrypted
    again = api.post(
        f"{API}/channels/",
        {"kind": "chat", "callback_url": "http://127.0.0.1:9/x", "secret": SECRET},
        format="json",
    )
    assert again.status_code == 400
    assert list(again.json()["errors"]) == ["kind"]
    api.patch(f"{API}/channels/{channel.uuid}/", {"enabled": False}, format="json")
    history = channel.history.order_by("history_id")
    assert [h.enabled for h in history] == [True, False]
    assert history.first().history_user == manager
    assert "secret_encrypted" not in [f.name for f in history.model._meta.fields]


def test_agents_may_not_manage_channels_and_other_workspaces_are_404(
    workspace, agent, other_workspace, manager
):
    assert client_for(agent).get(f"{API}/channels/").status_code == 403
    assert (
        client_for(manager).get("/api/v1/workspaces/globex/channels/").status_code
        == 404
    )


def test_the_channels_page_shows_field_errors_and_saves(
    workspace, manager, client, local_urls
):
    client.force_login(manager)
    url = "/w/acme/channels/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"kind": "chat", "callback_url": "ftp://chat.example/x"})
    assert bad.status_code == 400
    assert b'data-field="callback_url"' in bad.content
    assert b"Only https URLs are allowed, not ftp://." in bad.content
    no_secret = client.post(
        url, {"kind": "chat", "callback_url": "http://127.0.0.1:9/"}
    )
    assert no_secret.status_code == 400
    assert b'data-field="secret"' in no_secret.content
    good = client.post(
        url,
        {"kind": "email", "enabled": "on", "from_email": "help@acme.example"},
    )
    assert good.status_code == 302
    assert Channel.objects.get().from_email == "help@acme.example"
    assert not Channel.objects.filter(kind="chat").exists()


def test_an_agent_gets_403_on_the_channels_page(workspace, agent, client):
    client.force_login(agent)
    assert client.get("/w/acme/channels/").status_code == 403


# --- the cursor endpoint ---


def test_agent_messages_after_a_cursor(workspace, agent, customer):
    ticket = chat_ticket(workspace, customer)
    conversation = ticket.primary_conversation
    Message.objects.create(
        conversation=conversation,
        author_kind="contact",
        body="Help",
        sent_at=timezone.now(),
    )
    _reply(ticket, agent, "First")
    api = client_for(agent)
    url = f"{API}/conversations/{conversation.pk}/messages/"
    first = api.get(url).json()
    assert [m["body"] for m in first["messages"]] == ["First"]
    assert first["more"] is False
    _reply(ticket, agent, "Second")
    second = api.get(url, {"since": first["cursor"]}).json()
    assert [m["body"] for m in second["messages"]] == ["Second"]
    assert api.get(url, {"since": second["cursor"]}).json()["messages"] == []
    bad = api.get(url, {"since": "abc"})
    assert bad.status_code == 400
    assert list(bad.json()["errors"]) == ["since"]


def test_another_workspaces_conversation_is_404(
    workspace, agent, other_workspace, customer
):
    from tests.factories import ConversationFactory

    theirs = ConversationFactory(workspace=other_workspace)
    url = f"{API}/conversations/{theirs.pk}/messages/"
    assert client_for(agent).get(url).status_code == 404


# --- the partials and the filter ---


def test_composer_route_shows_the_default_and_what_is_off(
    workspace, agent, customer, chat_channel, email_channel
):
    ticket = chat_ticket(workspace, customer, ended=True)
    html = render_to_string("messaging/_composer_route.html", {"ticket": ticket})
    assert 'data-default-route="email"' in html
    assert 'value="chat"  disabled' in html
    assert "Chat (not live)" in html
    assert "E-mail to dana@customer.example" in html


def test_delivery_state_partial_and_the_reply_failed_filter(
    workspace, agent, customer, chat_channel, receiver
):
    ok = chat_ticket(workspace, customer, external_id="ok")
    bad = chat_ticket(workspace, customer, external_id="bad")
    _reply(ok, agent)
    _reply(bad, agent)
    row = Delivery.objects.get(ticket=bad)
    delivery.fail(row, "The chat platform refused the event (410).")
    comment = bad.comments.get()
    html = render_to_string("messaging/_delivery_state.html", {"message": comment})
    assert 'data-delivery-state="failed"' in html
    assert "The chat platform refused the event (410)." in html
    api = client_for(agent)
    numbers = [
        t["number"]
        for t in api.get(f"{API}/tickets/", {"reply": "failed"}).json()["results"]
    ]
    assert numbers == [bad.number]
    assert api.get(f"{API}/tickets/", {"reply": "bogus"}).status_code == 400

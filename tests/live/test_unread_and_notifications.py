"""A customer message marks the ticket unread for its assignee and notifies them
once; opening the panel as the assignee clears it; the notification centre."""

from datetime import timedelta

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from helpdesk import notifications
from helpdesk.models import Membership, Notification
from tests.factories import MembershipFactory
from tests.live.conftest import HX, customer_writes
from tickets.models import Ticket

DETAIL = "tickets:detail"


def test_customer_message_marks_unread_and_notifies_the_assignee_once(chat, agent):
    conversation, ticket = chat
    sent_at = timezone.now()
    customer_writes(conversation, "Still broken", sent_at)
    ticket.refresh_from_db()
    assert ticket.assignee_unread is True
    rows = Notification.objects.filter(kind="customer_replied")
    assert [(n.recipient, n.ticket_id) for n in rows] == [(agent, ticket.pk)]
    assert rows[0].subject == "Customer replied: TKT-1 Printer"
    assert "Still broken" in rows[0].body
    # The same transcript posted again adds nothing and notifies nobody again.
    customer_writes(conversation, "Still broken", sent_at)
    assert Notification.objects.filter(kind="customer_replied").count() == 1
    # A second message is a second notice.
    customer_writes(conversation, "Still broken", sent_at + timedelta(minutes=1))
    assert Notification.objects.filter(kind="customer_replied").count() == 2


def test_an_unassigned_ticket_is_not_marked_and_nobody_is_notified(chat):
    conversation, ticket = chat
    Ticket.objects.filter(pk=ticket.pk).update(assignee=None)
    customer_writes(conversation, "Hello?")
    ticket.refresh_from_db()
    assert ticket.assignee_unread is False
    assert not Notification.objects.filter(kind="customer_replied").exists()


def test_row_is_bold_for_the_assignee_until_they_open_the_panel(
    client_agent, chat, workspace
):
    conversation, ticket = chat
    customer_writes(conversation, "Any news?")
    index = reverse("tickets:index", args=["acme"])
    html = client_agent.get(index).content.decode()
    assert 'class="row unread"' in html and "New reply" in html
    assert 'data-queue="unread">Unread <span class="count hot">1</span>' in html
    assert 'id="bell-count" data-count="1"' in html

    response = client_agent.get(reverse(DETAIL, args=["acme", ticket.number]), **HX)
    assert response.status_code == 200
    assert "ticketsChanged" in response["HX-Trigger"]
    ticket.refresh_from_db()
    assert ticket.assignee_unread is False
    assert Notification.objects.get().read_at is not None
    html = client_agent.get(index).content.decode()
    assert 'class="row unread"' not in html
    assert 'data-queue="unread">Unread <span class="count">0</span>' in html


def test_another_agent_opening_it_leaves_it_unread(client, chat, workspace):
    conversation, ticket = chat
    customer_writes(conversation, "Any news?")
    other = MembershipFactory(workspace=workspace, user__username="olivia").user
    client.force_login(other)
    client.get(reverse(DETAIL, args=["acme", ticket.number]), **HX)
    ticket.refresh_from_db()
    assert ticket.assignee_unread is True
    html = client.get(reverse("tickets:index", args=["acme"])).content.decode()
    assert 'class="row unread"' not in html  # bold only for the assignee


def test_unread_filter_lists_only_unread_tickets(client_agent, chat, workspace, agent):
    conversation, ticket = chat
    customer_writes(conversation, "Ping")
    from tests.factories import make_ticket

    make_ticket(workspace, agent, subject="Quiet one", assignee=agent)
    url = reverse("tickets:index", args=["acme"])
    html = client_agent.get(url, {"assignee": "me", "unread": "true"}).content.decode()
    assert "Printer" in html and "Quiet one" not in html
    bad = client_agent.get(url, {"unread": "perhaps"})
    assert bad.status_code == 200  # the page explains a bad filter (as for status)
    assert "Unread: " in bad.content.decode()


def test_notification_centre_lists_and_marks_read(client_agent, chat, agent):
    conversation, ticket = chat
    customer_writes(conversation, "Hello")
    url = reverse("tickets:notifications", args=["acme"])
    html = client_agent.get(url, **HX).content.decode()
    assert "Customer replied: TKT-1 Printer" in html and 'class="notif unread"' in html
    read = reverse("tickets:notifications_read", args=["acme"])
    notification = Notification.objects.get()
    response = client_agent.post(read, {"id": notification.pk}, **HX)
    assert response.status_code == 200
    assert "notificationsChanged" in response["HX-Trigger"]
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_read_refuses_bad_input_and_others_notifications(
    client, chat, workspace, agent
):
    conversation, ticket = chat
    customer_writes(conversation, "Hello")
    notification = Notification.objects.get()
    other = MembershipFactory(workspace=workspace, user__username="olivia").user
    client.force_login(other)
    read = reverse("tickets:notifications_read", args=["acme"])
    assert client.post(read, {"id": notification.pk}, **HX).status_code == 404
    assert client.post(read, {"id": "x"}, **HX).status_code == 422
    assert client.post(read, {}, **HX).status_code == 422
    notification.refresh_from_db()
    assert notification.read_at is None


def test_email_preference_off_skips_the_email_keeps_the_notice(
    client_agent, chat, agent, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    url = reverse("tickets:notifications_email", args=["acme"])
    assert client_agent.post(url, {}).status_code == 302
    assert Membership.objects.get(user=agent).email_notifications is False
    conversation, ticket = chat
    customer_writes(conversation, "Hello")
    assert notifications.deliver_pending() == 0
    assert mail.outbox == []
    notification = Notification.objects.get()
    assert notification.state == "skipped" and notification.read_at is None

    client_agent.post(url, {"email_notifications": "on"})
    customer_writes(conversation, "Hello again")
    assert notifications.deliver_pending() == 1
    assert mail.outbox[0].subject == "Customer replied: TKT-1 Printer"

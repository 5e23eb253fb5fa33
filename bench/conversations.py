"""Bench figures of the conversations inbox and a conversation page whose transcript
has 2,000 messages (the intake's limit per post), with a tool call every tenth: its
first page (the newest messages) and a "Load earlier" page from the middle."""

from datetime import timedelta

from django.utils import timezone

from tickets.models import Conversation, Message

TRANSCRIPT = 2_000
INBOX_SQL = (
    "SELECT c.id, c.channel, c.started_at, c.handled_by, ct.name"
    " FROM tickets_conversation c"
    " LEFT JOIN helpdesk_contact ct ON ct.id = c.contact_id"
    " WHERE c.workspace_id = %s ORDER BY c.started_at DESC, c.id DESC LIMIT 51"
)
# The floor of a transcript page: its 101 newest messages (or those before a cursor).
MESSAGES_SQL = (
    "SELECT * FROM tickets_message WHERE conversation_id = %s"
    " ORDER BY sent_at DESC, id DESC LIMIT 101"
)
EARLIER_SQL = (
    "SELECT * FROM tickets_message WHERE conversation_id = %s AND id < %s"
    " ORDER BY sent_at DESC, id DESC LIMIT 101"
)


def long_conversation(workspace) -> Conversation:
    """The bench workspace's 2,000-message conversation (made once)."""
    conversation, created = Conversation.objects.get_or_create(
        workspace=workspace,
        external_id="bench-2000-messages",
        defaults={"channel": "web", "started_at": timezone.now()},
    )
    if created:
        start = conversation.started_at
        Message.objects.bulk_create(
            (
                Message(
                    conversation=conversation,
                    author_kind="tool" if i % 10 == 9 else ("contact", "ai")[i % 2],
                    body=f"Message {i}: the order still has not arrived, see 1234.",
                    tool_call={
                        "name": "lookup_order",
                        "arguments": {"order": i},
                        "result": {"status": "shipped"},
                        "status": "ok",
                    }
                    if i % 10 == 9
                    else None,
                    sent_at=start + timedelta(seconds=i),
                )
                for i in range(TRANSCRIPT)
            ),
            batch_size=1000,
        )
    return conversation


def measure(bench) -> None:
    """Inbox (default and state=escalated) and the 2,000-message page."""
    ws = bench.workspace
    inbox = f"/w/{ws.slug}/conversations/"
    bench.request("Conversations inbox", bench.ui, inbox, INBOX_SQL, [ws.pk], 120)
    bench.request(
        "Conversations inbox, state=escalated",
        bench.ui,
        f"{inbox}?state=escalated",
        INBOX_SQL,
        [ws.pk],
        120,
    )
    conversation = long_conversation(ws)
    bench.request(
        f"Conversation page, {TRANSCRIPT:,} messages",
        bench.ui,
        f"{inbox}{conversation.pk}/",
        MESSAGES_SQL,
        [conversation.pk],
        400,
    )
    middle = conversation.messages.order_by("sent_at", "id")[TRANSCRIPT // 2].pk
    bench.request(
        f"Conversation page, {TRANSCRIPT:,} messages, load earlier (htmx)",
        bench.ui,
        f"{inbox}{conversation.pk}/?before={middle}",
        EARLIER_SQL,
        [conversation.pk, middle],
        400,
        headers={"HX-Request": "true"},
    )

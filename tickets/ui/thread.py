"""The ticket's thread on the panel's Conversation tab: the messages of every
linked conversation (primary and associated) and the ticket's public replies and
internal notes, in the order they were written; the composer sits under it."""

from dataclasses import dataclass
from datetime import datetime

from tickets.models import Comment, Conversation, Message


@dataclass
class Entry:
    at: datetime
    message: Message | None = None
    comment: Comment | None = None
    conversation: Conversation | None = None

    @property
    def author(self) -> str:
        """The real name: the message's author, else the contact's, else the kind."""
        m = self.message
        if m is None:
            return self.comment.author_label
        if m.author_name:
            return m.author_name
        contact = self.conversation.contact if self.conversation else None
        if m.author_kind == Message.AuthorKind.CONTACT and contact is not None:
            return contact.name or contact.email or m.get_author_kind_display()
        return m.get_author_kind_display()


def ticket_thread(detail: dict) -> list[Entry]:
    """Entries for `detail` (listing.ticket_panel_tabs): the primary conversation's
    prefetched messages plus one query for the associated conversations' messages."""
    entries = [Entry(at=c.created_at, comment=c) for c in detail["comments"]]
    primary = detail["primary"]
    if primary is not None:
        entries += [
            Entry(at=m.sent_at, message=m, conversation=primary)
            for m in primary.messages.all()
        ]
    associated = {c.pk: c for c in detail["associated"]}
    if associated:
        for m in Message.objects.filter(conversation_id__in=associated).order_by(
            "sent_at", "id"
        ):
            conversation = associated[m.conversation_id]
            entries.append(Entry(at=m.sent_at, message=m, conversation=conversation))
    entries.sort(key=lambda e: e.at)
    return entries

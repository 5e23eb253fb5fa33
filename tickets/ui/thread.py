"""The ticket's thread on the panel's Conversation tab: the messages of every
linked conversation (primary and associated) and the ticket's public replies and
internal notes, in the order they were written; the composer sits under it.

The thread is paged, newest page first: THREAD_PAGE entries, and a "Load earlier"
cursor naming the oldest entry shown ("m<id>" for a message, "c<id>" for a
comment). Entries are ordered by (time, kind, id) with messages before comments at
the same instant, so a page boundary never skips or repeats an entry.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from helpdesk.lib.parsing import as_id
from tickets.models import Comment, Conversation, Message, Ticket

THREAD_PAGE = 50
MESSAGE, COMMENT = 0, 1  # the kind's rank in the order at one instant


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

    @property
    def key(self) -> tuple:
        if self.message is not None:
            return (self.at, MESSAGE, self.message.pk)
        return (self.at, COMMENT, self.comment.pk)

    @property
    def cursor(self) -> str:
        return ("m" if self.message is not None else "c") + str(self.key[2])


@dataclass
class ThreadPage:
    entries: list[Entry]
    earlier: str | None  # the cursor of the page before, None on the first page


def _before(field: str, rank: int, anchor: tuple | None) -> Q:
    """Rows of kind `rank` ordered before `anchor` (time, rank, id)."""
    if anchor is None:
        return Q()
    at, anchor_rank, pk = anchor
    if rank == anchor_rank:
        return Q(**{f"{field}__lt": at}) | Q(**{field: at, "pk__lt": pk})
    return Q(**{f"{field}__lte" if rank < anchor_rank else f"{field}__lt": at})


def _anchor(comments: QuerySet, messages: QuerySet, cursor: str) -> tuple:
    """(time, rank, id) of the entry `cursor` names, among this ticket's own; a
    cursor that names none raises ValueError (the view answers 400)."""
    kind, pk = cursor[:1], as_id(cursor[1:]) or 0
    found = None
    if kind == "m":
        found = messages.filter(pk=pk).values_list("sent_at", flat=True).first()
    elif kind == "c":
        found = comments.filter(pk=pk).values_list("created_at", flat=True).first()
    if found is None:
        raise ValueError(f"No entry {cursor!r} in this ticket's thread.")
    return (found, MESSAGE if kind == "m" else COMMENT, pk)


def ticket_thread(
    ticket: Ticket, detail: dict, before: str | None = None
) -> ThreadPage:
    """The THREAD_PAGE entries before `before` (else the newest), oldest first, for
    `detail` (listing.ticket_panel_tabs). Six queries whatever the thread's length:
    the newest comments and messages, each with their files and deliveries."""
    linked = {c.pk: c for c in [detail["primary"], *detail["associated"]] if c}
    comments = Comment.objects.filter(ticket=ticket)
    messages = Message.objects.filter(conversation_id__in=linked, comment__isnull=True)
    anchor = _anchor(comments, messages, before) if before is not None else None
    newest = THREAD_PAGE + 1
    found = [
        Entry(at=c.created_at, comment=c)
        for c in comments.filter(_before("created_at", COMMENT, anchor))
        .select_related("author")
        .prefetch_related("attachments", "deliveries")
        .order_by("-created_at", "-id")[:newest]
    ]
    if linked:
        found += [
            Entry(at=m.sent_at, message=m, conversation=linked[m.conversation_id])
            for m in messages.filter(_before("sent_at", MESSAGE, anchor))
            .prefetch_related("attachments", "deliveries")
            .order_by("-sent_at", "-id")[:newest]
        ]
    found.sort(key=lambda e: e.key, reverse=True)
    entries = found[:THREAD_PAGE][::-1]
    earlier = entries[0].cursor if len(found) > THREAD_PAGE else None
    return ThreadPage(entries=entries, earlier=earlier)

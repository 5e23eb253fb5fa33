"""Comments both ways, never echoed.

Pulled: each comment of a changed remote ticket that this connection does not know
yet (CommentLink) becomes a comment here, public or internal as it was there, by
the workspace member with the author's e-mail, else under the author's name there.
Its files are downloaded and stored like uploads (integrations.files); a file we
cannot copy is named in the comment instead. A pulled comment is written as the
platform's sync actor, so the outbox never sends it back there, and its event says
`pulled_from`, so our own channels never deliver it again.

Pushed: the comment's files go with it (each platform's upload), and the id the
platform gave it is remembered at once, so the next pull knows it.

Matched rather than imported: the ticket's description as we sent it on create
(or a "Description updated" note), and one of our comments not yet linked with the
same text and visibility (pushed, but the answer was lost)."""

import re

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Exists, OuterRef

from helpdesk.tenancy import member_get
from integrations import files
from integrations.base import SyncError
from integrations.content import OutgoingFile, RemoteComment
from integrations.models import CommentLink
from tickets.attachments import MAX_FILES, AttachmentRefused, attachment_check
from tickets.models import Comment, Ticket
from tickets.services import comment_add
from tickets.services._common import MAX_TEXT

DESCRIPTION_NOTE = "Description updated:\n\n"


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def pull_comments(link, remote, adapter, actor) -> int:
    """Add the remote ticket's comments this connection has not seen to
    link.ticket; how many were added. A platform error is raised: a pull's page
    is read again, a webhook's queued read is retried (integrations.tasks)."""
    found = read(adapter, remote)
    return add(link, found, known(link.connection_id, found), adapter, actor)


def read(adapter, remote) -> list[RemoteComment]:
    """The remote ticket's comments (none when it is gone since: 404)."""
    try:
        return adapter.comments_of(remote)
    except SyncError as exc:
        if exc.status_code == 404:
            return []
        raise


def known(connection_id: int, found: list[RemoteComment]) -> set[str]:
    """Which of `found` (one ticket's comments or a page's) the connection has
    linked already: one query."""
    return set(
        CommentLink.objects.filter(
            connection_id=connection_id, remote_id__in=[c.remote_id for c in found]
        ).values_list("remote_id", flat=True)
    )


def add(link, found: list[RemoteComment], seen: set[str], adapter, actor) -> int:
    """Add the comments of `found` not in `seen` to link.ticket, linking each."""
    fresh = [c for c in found if c.remote_id not in seen]
    if not fresh:
        return 0
    ticket = link.ticket
    unlinked = list(_unlinked(ticket, link.connection_id))
    added = 0
    for remote_comment in fresh:
        comment = _ours(ticket, remote_comment, unlinked)
        matched = comment is not None or _is_description(ticket, remote_comment)
        if not matched:
            comment = _create(ticket, remote_comment, adapter, actor)
            added += 1
        CommentLink.objects.create(
            workspace_id=ticket.workspace_id,
            connection_id=link.connection_id,
            comment=comment,
            remote_id=remote_comment.remote_id,
            pulled=not matched,
        )
    return added


def _unlinked(ticket: Ticket, connection_id: int):
    """Our comments on the ticket that this connection has no counterpart of."""
    linked = CommentLink.objects.filter(
        connection_id=connection_id, comment=OuterRef("pk")
    )
    return Comment.objects.filter(ticket=ticket).exclude(Exists(linked))


def _ours(ticket, remote: RemoteComment, unlinked: list) -> Comment | None:
    text = _plain(remote.body)
    for comment in unlinked:
        if comment.is_public == remote.public and _plain(comment.body) == text:
            unlinked.remove(comment)
            return comment
    return None


def _is_description(ticket: Ticket, remote: RemoteComment) -> bool:
    """What our create (or a content change) put on the platform: not a comment."""
    if ticket.source == Ticket.Source.EXTERNAL:
        return False
    text = _plain(remote.body)
    return text in {_plain(ticket.content), _plain(ticket.subject)} or (
        remote.body.startswith(DESCRIPTION_NOTE)
    )


def _create(ticket: Ticket, remote: RemoteComment, adapter, actor) -> Comment:
    member = (
        member_get(ticket.workspace_id, email=remote.author_email)
        if remote.author_email
        else None
    )
    label = remote.author_name or remote.author_email or f"{adapter.label} user"
    if member is not None:
        label = member.get_full_name() or member.get_username()
    stored, refused = _downloads(adapter, remote)
    body = remote.body.strip() or "(no text)"
    if refused:
        body += "\n\n" + "\n".join(f"[File not copied: {why}]" for why in refused)
    return comment_add(
        ticket=ticket,
        actor=actor,
        body=body[:MAX_TEXT],
        is_public=remote.public,
        attachments=stored,
        author=(member, label[:200]),
        pulled_from=adapter.connection.platform,
    )


def _downloads(adapter, remote: RemoteComment) -> tuple[list, list[str]]:
    """(name, file, size) of each file we could fetch and may keep, and why
    each other one was left out."""
    kept, refused = [], []
    for remote_file in remote.files[:MAX_FILES]:
        try:
            data = files.download(adapter, remote_file, settings.ATTACHMENTS_MAX_BYTES)
            handle = ContentFile(data, name=remote_file.name)
            attachment_check(name=remote_file.name, file=handle, size=len(data))
        except (files.FileRefused, AttachmentRefused) as exc:
            refused.append(str(exc))
            continue
        kept.append((remote_file.name, handle, len(data)))
    return kept, refused


def push_comment(adapter, link, op):
    """Send the op's comment with its files; remember the id it got there.
    Returns the remote ticket when the platform's answer carried it."""
    comment = (
        Comment.objects.filter(pk=op.payload.get("comment_id"))
        .prefetch_related("attachments")
        .first()
    )
    if (
        comment is not None
        and CommentLink.objects.filter(
            connection_id=link.connection_id, comment=comment
        ).exists()
    ):
        return None  # sent by an earlier try whose bookkeeping was lost
    outgoing = [_outgoing(a) for a in comment.attachments.all()] if comment else []
    posted = adapter.add_comment(
        link,
        op.payload["body"],
        op.payload.get("public", True),
        op.payload["snapshot"],
        outgoing,
    )
    if posted.comment_id:
        CommentLink.objects.get_or_create(
            connection_id=link.connection_id,
            remote_id=posted.comment_id,
            defaults={"workspace_id": link.workspace_id, "comment": comment},
        )
    return posted.ticket


def _outgoing(attachment) -> OutgoingFile:
    with attachment.file.open("rb") as handle:
        data = handle.read()
    return OutgoingFile(attachment.original_name, attachment.content_type, data)

"""What a reply carries besides its text: the files attached to its comment
(tickets.Attachment). The e-mail carries each as a MIME part; the chat callback
lists each (name, type, size and the API address to fetch it from with the
workspace's API token)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from tickets.models import Comment


@dataclass(frozen=True)
class OutboundAttachment:
    """One file of a reply."""

    filename: str
    content_type: str
    size: int
    read: Callable[[], bytes]  # the bytes, read when the e-mail is built
    url: str = ""  # where the chat platform can fetch it

    def describe(self) -> dict:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "url": self.url,
        }


def _reader(attachment) -> Callable[[], bytes]:
    def read() -> bytes:
        with attachment.file.open("rb") as f:
            return f.read()

    return read


def for_comment(comment: Comment) -> list[OutboundAttachment]:
    """The files of `comment`, in upload order."""
    slug = comment.ticket.workspace.slug
    return [
        OutboundAttachment(
            filename=a.original_name,
            content_type=a.content_type,
            size=a.size,
            read=_reader(a),
            url=settings.PUBLIC_URL + reverse("api:attachment", args=[slug, a.key]),
        )
        for a in comment.attachments.order_by("id")
    ]

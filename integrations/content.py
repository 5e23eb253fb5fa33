"""Comments and files as they travel between a platform and us (the shapes the
adapters speak; integrations.comments applies and pushes them)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class RemoteFile:
    """A file on a platform's comment: where to download it and what it says it is."""

    name: str
    url: str  # "" when the platform gives a short-lived one on request (`ref`)
    size: int | None = None
    ref: str = ""  # the platform's handle to ask for the URL (Adapter.file_url)


@dataclass
class RemoteComment:
    """A platform's comment (reply, note, message) in our terms."""

    remote_id: str
    body: str
    public: bool
    author_email: str = ""  # "" when the platform does not say
    author_name: str = ""
    created_at: datetime | None = None
    files: list[RemoteFile] = field(default_factory=list)


@dataclass
class OutgoingFile:
    """One of our attachments, read, for a platform's upload."""

    name: str
    content_type: str
    data: bytes


@dataclass
class Posted:
    """What adding a comment left on the platform: the ticket when the answer
    carried it (an integrations.base.RemoteTicket), and the new comment's id
    there ("" when not known)."""

    ticket: Any = None
    comment_id: str = ""

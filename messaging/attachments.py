"""What a reply carries besides its text: the attachment providers.

The app that stores attachments registers a provider in its AppConfig.ready():
`messaging.attachments.register(provider)`, where `provider(comment)` returns the
comment's files as `OutboundAttachment`s. The e-mail carries each as a MIME part;
the chat callback lists each (name, type, size, URL)."""

from collections.abc import Callable
from dataclasses import dataclass

from tickets.models import Comment


@dataclass(frozen=True)
class OutboundAttachment:
    """One file of a reply."""

    filename: str
    content_type: str
    size: int
    read: Callable[[], bytes]  # the bytes, read when the e-mail is built
    url: str = ""  # where the chat platform can fetch it (absolute)

    def describe(self) -> dict:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "url": self.url,
        }


Provider = Callable[[Comment], list[OutboundAttachment]]

_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def unregister(provider: Provider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def for_comment(comment: Comment) -> list[OutboundAttachment]:
    """Every registered provider's files of `comment`, in registration order."""
    return [item for provider in _providers for item in provider(comment)]

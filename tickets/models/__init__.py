"""Tickets and what hangs off them: conversations, comments, tags, labels, events.

One module per concern; this package re-exports every model, so
`from tickets.models import Ticket` keeps working and the app label stays `tickets`.
"""

from tickets.models.activity import Comment, TicketEvent
from tickets.models.attachments import Attachment
from tickets.models.conversations import Conversation, Message
from tickets.models.intake import EscalationIntake, EscalationRule
from tickets.models.macros import Macro
from tickets.models.taxonomy import Label, Tag
from tickets.models.tickets import NO_BREACH, Ticket
from tickets.models.views import ExportJob, ImportPreview, SavedView

__all__ = [
    "NO_BREACH",
    "Attachment",
    "Comment",
    "Conversation",
    "EscalationIntake",
    "EscalationRule",
    "ExportJob",
    "ImportPreview",
    "Label",
    "Macro",
    "Message",
    "SavedView",
    "Tag",
    "Ticket",
    "TicketEvent",
]

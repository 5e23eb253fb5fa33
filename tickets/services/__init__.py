"""Every write to a ticket. One function per change: one transaction, one locked row,
one TicketEvent and one history row recording the actor.

Views, the API, the admin, importers and tasks call these; nothing else writes tickets.
The functions live in one module per concern; this package re-exports them, so callers
write `from tickets import services` and `services.ticket_update(...)`.
"""

from tickets.services._common import (
    EDITABLE_FIELDS,
    EVENT_FOR_FIELD,
    LOCKED_WITH,
    MAX_TAG_LENGTH,
    MAX_TEXT,
    METADATA_FIELDS,
    UNSET,
)
from tickets.services.attachments import attachments_validate
from tickets.services.comments import comment_add, mentioned_members
from tickets.services.conversations import ticket_add_conversation
from tickets.services.edit import (
    ticket_assign,
    ticket_set_label,
    ticket_set_priority,
    ticket_set_tags,
    ticket_set_team,
    ticket_update,
)
from tickets.services.macros import (
    macro_apply,
    macro_create,
    macro_delete,
    macro_may_change,
    macro_render,
    macro_update,
)
from tickets.services.saved_views import (
    saved_view_create,
    saved_view_delete,
    saved_view_filter_names,
    saved_view_may_change,
    saved_view_rename,
    saved_view_share,
    saved_view_update,
)
from tickets.services.snooze import ticket_snooze, ticket_unsnooze, tickets_wake
from tickets.services.status import (
    ticket_change_status,
    ticket_complete,
    ticket_incomplete,
    tickets_change_status,
)
from tickets.services.statuses import statuses_rename
from tickets.services.tags import (
    label_get_or_create,
    normalize_tag_names,
)
from tickets.services.tickets import (
    REVERTIBLE_FIELDS,
    ticket_create,
    ticket_delete,
    ticket_revert,
)
from tickets.services.unread import ticket_mark_read, ticket_mark_unread

__all__ = [
    "EDITABLE_FIELDS",
    "EVENT_FOR_FIELD",
    "LOCKED_WITH",
    "MAX_TAG_LENGTH",
    "MAX_TEXT",
    "METADATA_FIELDS",
    "REVERTIBLE_FIELDS",
    "UNSET",
    "attachments_validate",
    "comment_add",
    "statuses_rename",
    "label_get_or_create",
    "macro_apply",
    "macro_create",
    "macro_delete",
    "macro_may_change",
    "macro_render",
    "macro_update",
    "mentioned_members",
    "normalize_tag_names",
    "saved_view_create",
    "saved_view_delete",
    "saved_view_filter_names",
    "saved_view_may_change",
    "saved_view_rename",
    "saved_view_share",
    "saved_view_update",
    "ticket_add_conversation",
    "ticket_assign",
    "ticket_change_status",
    "ticket_complete",
    "ticket_create",
    "ticket_delete",
    "ticket_incomplete",
    "ticket_mark_read",
    "ticket_mark_unread",
    "ticket_revert",
    "ticket_set_label",
    "ticket_set_priority",
    "ticket_set_tags",
    "ticket_set_team",
    "ticket_snooze",
    "ticket_unsnooze",
    "ticket_update",
    "tickets_change_status",
    "tickets_wake",
]

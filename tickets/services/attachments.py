"""Storing checked attachments on a comment or a message.

Files go through Django's storage API (STORAGES["attachments"]). A storage is not
transactional, so callers write rows and files inside `files_kept_on_success`:
when the transaction fails, the files it stored are deleted again and nothing is
left half-written.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.core.exceptions import ValidationError

from helpdesk.models import Workspace
from tickets.attachments import (
    AttachmentRefused,
    CheckedAttachment,
    attachments_check,
)
from tickets.models import Attachment, Comment, Message
from tickets.models.attachments import attachment_storage


def attachments_validate(files, *, field: str = "attachments") -> list:
    """`files` (uploaded files or (name, file, size) tuples) checked, or a
    ValidationError on `field` saying which file was refused and why."""
    triples = [f if isinstance(f, tuple) else (f.name, f, f.size) for f in files or ()]
    try:
        return attachments_check(triples)
    except AttachmentRefused as exc:
        raise ValidationError({field: [str(exc)]}) from None


@contextmanager
def files_kept_on_success() -> Iterator[list[str]]:
    """Yields a list that `attachments_save` fills with stored file names; if the
    block raises, those files are deleted (the rows were rolled back)."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        storage = attachment_storage()
        for name in stored:
            storage.delete(name)
        raise


def attachments_save(
    *,
    workspace: Workspace,
    checked: Sequence[CheckedAttachment],
    stored: list[str],
    comment: Comment | None = None,
    message: Message | None = None,
    uploaded_by=None,
) -> list[Attachment]:
    """One row and one stored file per checked attachment; the file names are
    appended to `stored` (see files_kept_on_success)."""
    rows = []
    for item in checked:
        row = Attachment(
            workspace=workspace,
            original_name=item.name,
            content_type=item.content_type,
            size=item.size,
            sha256=item.sha256,
            uploaded_by=uploaded_by,
            comment=comment,
            message=message,
        )
        item.file.seek(0)
        row.file.save(item.name, item.file, save=False)
        stored.append(row.file.name)
        row.save()
        rows.append(row)
    return rows

"""The checks every attachment passes before anything is written: its size, its type
as sniffed from the content (not its name), and the scan hook.

`settings.ATTACHMENTS_SCANNER` names a callable `(*, name, content_type, file)`
that raises `AttachmentRefused` to refuse a file (a virus scanner, a DLP check);
`accept_all` is the default. Services store what `attachment_check` returned
(tickets.services.attachments); this module writes nothing.
"""

import hashlib
import logging
import os
import re
import unicodedata
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files import File
from django.http import FileResponse, Http404
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)
SNIFF_BYTES = 8192
MAX_FILES = 10  # files on one comment or message
MARKUP = re.compile(rb"<\s*(!doctype\s+html|html|svg|script|body|iframe)\b", re.I)


class AttachmentRefused(Exception):
    """A file that may not be attached; the message says why, naming the file."""


@dataclass
class CheckedAttachment:
    """A file that passed every check, ready to be stored."""

    name: str
    content_type: str
    size: int
    sha256: str
    file: File


def accept_all(*, name: str, content_type: str, file: File) -> None:
    """The default scan hook: accepts every file."""


def clean_name(name: str) -> str:
    """The file's own name without any folder, control characters or excess length."""
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C")
    if not base or base in {".", ".."}:
        base = "attachment"
    stem, ext = os.path.splitext(base)
    return stem[: 200 - len(ext[:20])] + ext[:20]


def sniff(head: bytes) -> str:
    """The content type of a file that starts with `head`, from its bytes alone."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    if b"\x00" in head:
        return "application/octet-stream"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sniffed bytes is still text.
        if exc.start < len(head) - 4:
            return "application/octet-stream"
    if MARKUP.search(head[:1024]):
        return "text/html"
    return "text/plain"


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def attachment_check(
    *, name: str, file: File, size: int, max_bytes: int | None = None
) -> CheckedAttachment:
    """`file` (at most `max_bytes`, default ATTACHMENTS_MAX_BYTES) checked for size,
    type and by the scan hook; AttachmentRefused otherwise. Reads the file; writes
    nothing."""
    name = clean_name(name)
    limit = max_bytes if max_bytes is not None else settings.ATTACHMENTS_MAX_BYTES
    if size > limit:
        raise AttachmentRefused(
            f"{name} is {_megabytes(size)}; the limit is {_megabytes(limit)}."
        )
    if size == 0:
        raise AttachmentRefused(f"{name} is empty.")
    file.seek(0)
    content_type = sniff(file.read(SNIFF_BYTES))
    if content_type not in settings.ATTACHMENTS_ALLOWED_TYPES:
        raise AttachmentRefused(
            f"{name} is a file of type {content_type}, which may not be attached."
        )
    file.seek(0)
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    _scan(name=name, content_type=content_type, file=file)
    file.seek(0)
    return CheckedAttachment(
        name=name,
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        file=file,
    )


def _scan(*, name: str, content_type: str, file: File) -> None:
    """The scan hook; one that fails (a scanner down) refuses the file: fail closed."""
    scanner = import_string(settings.ATTACHMENTS_SCANNER)
    try:
        scanner(name=name, content_type=content_type, file=file)
    except AttachmentRefused:
        raise
    except Exception:
        logger.exception("attachment scan hook %s failed", settings.ATTACHMENTS_SCANNER)
        raise AttachmentRefused(
            f"{name} could not be checked for viruses just now; try again later."
        ) from None


def attachments_check(
    files: list[tuple[str, File, int]], *, max_bytes: int | None = None
) -> list[CheckedAttachment]:
    """Every (name, file, size) checked, or AttachmentRefused for the first bad one
    (or for too many files)."""
    if len(files) > MAX_FILES:
        raise AttachmentRefused(
            f"At most {MAX_FILES} files at once (got {len(files)})."
        )
    return [
        attachment_check(name=name, file=file, size=size, max_bytes=max_bytes)
        for name, file, size in files
    ]


def attachment_response(attachment, *, inline: bool = False) -> FileResponse:
    """The stored file of `attachment` as a download (inline: a raster image shown
    in the page), never sniffed or run by the browser; Http404 when it is gone."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response

"""The IMAP poller for self-hosting: reads each mailbox's folder by UID above a
stored high-water mark (reset when the folder's UIDVALIDITY changes), never marks
or deletes mail, and hands each message to `inbound_email_receive`, which is
idempotent by Message-ID, so polling again adds nothing."""

import imaplib
import logging
import re
import ssl
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from integrations import crypto
from messaging.inbound.service import Envelope, inbound_email_receive
from messaging.models import InboundEmail, InboundMailbox

logger = logging.getLogger(__name__)

_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
_HEADER_BYTES = 65_536


class PollError(Exception):
    """The IMAP server could not be reached or refused a command."""


@dataclass
class PollResult:
    mailbox: InboundMailbox
    fetched: int = 0
    error: str = ""


def _connect(mailbox: InboundMailbox) -> imaplib.IMAP4:
    timeout = settings.INBOUND_IMAP_TIMEOUT
    security = InboundMailbox.Security
    if mailbox.imap_security == security.SSL:
        return imaplib.IMAP4_SSL(
            mailbox.imap_host,
            mailbox.imap_port,
            ssl_context=ssl.create_default_context(),
            timeout=timeout,
        )
    conn = imaplib.IMAP4(mailbox.imap_host, mailbox.imap_port, timeout=timeout)
    if mailbox.imap_security == security.STARTTLS:
        conn.starttls(ssl_context=ssl.create_default_context())
    return conn


def _ok(answer: tuple, what: str) -> list:
    status, data = answer
    if status != "OK":
        raise PollError(f"{what} failed: {data!r}")
    return data


def _open(mailbox: InboundMailbox) -> tuple[imaplib.IMAP4, int]:
    """A logged-in connection with the folder selected read-only, and the
    folder's UIDVALIDITY."""
    conn = _connect(mailbox)
    try:
        _ok(
            conn.login(mailbox.imap_username, crypto.decrypt(mailbox.imap_password)),
            "LOGIN",
        )
        _ok(conn.select(_quoted(mailbox.imap_folder), readonly=True), "SELECT")
        _, values = conn.response("UIDVALIDITY")
        if not values or not (values[0] or b"").isdigit():
            raise PollError(f"SELECT gave no UIDVALIDITY: {values!r}")
        uidvalidity = int(values[0])
    except BaseException:
        conn.shutdown()
        raise
    return conn, uidvalidity


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _new_uids(conn: imaplib.IMAP4, after: int) -> list[int]:
    data = _ok(conn.uid("SEARCH", None, f"UID {after + 1}:*"), "UID SEARCH")
    # "n:*" always matches the newest message, even when its UID is below n.
    uids = sorted(int(uid) for uid in (data[0] or b"").split() if int(uid) > after)
    return uids[: settings.INBOUND_IMAP_BATCH]


def _fetch(conn: imaplib.IMAP4, uid: int) -> tuple[bytes, int]:
    """The message (only its header when it is over the size limit) and its size."""
    data = _ok(conn.uid("FETCH", str(uid), "(RFC822.SIZE)"), "UID FETCH")
    match = _SIZE.search(b" ".join(d for d in data if isinstance(d, bytes)))
    size = int(match.group(1)) if match else 0
    too_large = size > settings.INBOUND_EMAIL_MAX_BYTES
    part = "BODY.PEEK[HEADER]" if too_large else "BODY.PEEK[]"
    data = _ok(conn.uid("FETCH", str(uid), f"({part})"), "UID FETCH")
    raw = next((d[1] for d in data if isinstance(d, tuple)), b"")
    return raw[:_HEADER_BYTES] if too_large else raw, size


def _mark(mailbox: InboundMailbox, uidvalidity: int, uid: int) -> None:
    """Move the high-water mark up to `uid` (compare-and-swap: never down, and not
    when the folder was rebuilt meanwhile)."""
    InboundMailbox.objects.filter(
        pk=mailbox.pk, uidvalidity=uidvalidity, last_uid__lt=uid
    ).update(last_uid=uid)
    mailbox.last_uid = max(mailbox.last_uid, uid)


def mailbox_poll(*, mailbox: InboundMailbox) -> PollResult:
    """Read the mailbox's new mail once. Each mail commits on its own with the new
    high-water mark (no ticket stays locked for the whole poll); a poll running at
    the same time reads the same mail and adds nothing (one row per Message-ID)."""
    result = PollResult(mailbox=mailbox)
    conn, uidvalidity = _open(mailbox)
    try:
        if mailbox.uidvalidity != uidvalidity:
            # The folder was rebuilt: its UIDs mean other mail now. Read it all
            # again; Message-IDs already stored are not added twice.
            InboundMailbox.objects.filter(pk=mailbox.pk).update(
                uidvalidity=uidvalidity, last_uid=0
            )
            mailbox.uidvalidity, mailbox.last_uid = uidvalidity, 0
        for uid in _new_uids(conn, mailbox.last_uid):
            raw, size = _fetch(conn, uid)
            with transaction.atomic():
                inbound_email_receive(
                    raw=raw,
                    envelope=Envelope(source=InboundEmail.Source.IMAP, size=size),
                    mailbox=mailbox,
                )
                _mark(mailbox, uidvalidity, uid)
            result.fetched += 1
    finally:
        conn.logout()
    mailbox.last_polled_at = timezone.now()
    InboundMailbox.objects.filter(pk=mailbox.pk).update(
        last_polled_at=mailbox.last_polled_at, last_error=""
    )
    return result


def poll_all(*, mailbox_ids: list[int] | None = None) -> list[PollResult]:
    """Poll every active IMAP mailbox (or those given); a mailbox that fails is
    logged and its error stored, the others are still polled."""
    mailboxes = InboundMailbox.objects.filter(is_active=True).exclude(imap_host="")
    if mailbox_ids is not None:
        mailboxes = mailboxes.filter(pk__in=mailbox_ids)
    results = []
    for mailbox in mailboxes.order_by("pk"):
        try:
            results.append(mailbox_poll(mailbox=mailbox))
        except (OSError, imaplib.IMAP4.error, PollError, ValidationError) as error:
            message = f"{type(error).__name__}: {error}"[:500]
            logger.warning("IMAP poll of %s failed: %s", mailbox.address, message)
            InboundMailbox.objects.filter(pk=mailbox.pk).update(last_error=message)
            results.append(PollResult(mailbox=mailbox, error=message))
    return results

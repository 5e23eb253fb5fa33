"""Sending one delivery: the signed chat callback over HTTPS, or the e-mail through
Django's mail backend (SMTP, or an ESP through django-anymail). A failure is a
SendError, permanent (fail now) or transient (retry later)."""

import contextlib
import hashlib
import hmac
import json
import smtplib
import time
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.core import mail

from integrations import urlsafety
from integrations.base import PinnedAdapter
from messaging import attachments, render
from messaging.models import Delivery

TRANSIENT_CODES = {408, 409, 425, 429}


class SendError(Exception):
    """A delivery attempt that did not go through."""

    def __init__(
        self, message: str, *, permanent: bool, retry_after: float | None = None
    ):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`v1=` and the hex HMAC-SHA256 of `<timestamp>.<body>` under `secret`."""
    signed = f"{timestamp}.".encode() + body
    return "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class Sender:
    """Sends deliveries, keeping one HTTP session and one mail connection open
    across a drain. Use as a context manager."""

    def __enter__(self):
        self.session = requests.Session()
        self.session.trust_env = False
        self.pinned = PinnedAdapter()
        self.session.mount("https://", self.pinned)
        self.mail = None
        return self

    def __exit__(self, *exc_info):
        self.session.close()
        self._close_mail()

    def send(self, delivery: Delivery) -> str:
        """Send `delivery`; the ESP's message id (e-mail through anymail) or ""."""
        channel = delivery.channel
        if channel is None or not channel.enabled:
            raise SendError("The channel was removed or switched off.", permanent=True)
        if delivery.route == Delivery.Route.CHAT:
            self.post_callback(delivery)
            return ""
        return self.send_email(delivery)

    # --- chat callback ---

    def post_callback(self, delivery: Delivery) -> None:
        url = delivery.channel.callback_url
        try:
            addresses = urlsafety.check_callback_url(url)
        except urlsafety.UnsafeURL as exc:
            raise SendError(f"Refused to send: {exc}", permanent=True) from None
        body = json.dumps(delivery.payload, separators=(",", ":")).encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "helpdesk-channels/1",
            "X-Helpdesk-Event": render.EVENT,
            "X-Helpdesk-Timestamp": str(timestamp),
            "X-Helpdesk-Signature": signature(delivery.channel.secret, timestamp, body),
            "Idempotency-Key": str(delivery.idempotency_key),
        }
        if addresses:
            host = urlsplit(url).hostname
            self.pinned.pins[host] = addresses[0]  # where the check looked
        try:
            response = self.session.post(
                url,
                data=body,
                headers=headers,
                timeout=tuple(settings.SYNC_HTTP_TIMEOUT),
                allow_redirects=False,
            )
        except requests.Timeout:
            raise SendError(
                "The chat platform did not answer in time.", permanent=False
            ) from None
        except requests.RequestException as exc:
            raise SendError(
                f"Could not reach the chat platform: {type(exc).__name__}.",
                permanent=False,
            ) from None
        _check_answer(response)

    # --- e-mail ---

    def send_email(self, delivery: Delivery) -> str:
        message = build_email(delivery)
        try:
            if self.mail is None:
                self.mail = mail.get_connection(fail_silently=False)
                self.mail.open()
            sent = self.mail.send_messages([message])
        except Exception as exc:
            self._close_mail()  # a broken connection is opened afresh next time
            raise _mail_error(exc) from None
        if not sent:
            raise SendError("The mail backend sent nothing.", permanent=False)
        status = getattr(message, "anymail_status", None)
        return (getattr(status, "message_id", None) or "") if status else ""

    def _close_mail(self) -> None:
        if self.mail is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.mail.close()  # the server may be gone already
            self.mail = None


def _check_answer(response: requests.Response) -> None:
    code = response.status_code
    if 200 <= code < 300:
        return
    wait = retry_after(response.headers.get("Retry-After"))
    if code in TRANSIENT_CODES or code >= 500:
        raise SendError(
            f"The chat platform answered {code}.", permanent=False, retry_after=wait
        )
    if 300 <= code < 400:
        raise SendError(
            f"The chat platform answered with a redirect ({code}); redirects are "
            "never followed.",
            permanent=True,
        )
    raise SendError(
        f"The chat platform refused the event ({code}): {response.text[:300]}",
        permanent=True,
    )


def build_email(delivery: Delivery) -> mail.EmailMultiAlternatives:
    """The reply as a multipart e-mail: plain text and sanitised HTML from the
    Markdown, the threading headers and the attachments."""
    data = delivery.payload
    headers = {
        "Message-ID": delivery.email_message_id,
        "X-Helpdesk-Delivery": str(delivery.idempotency_key),
    }
    if data["in_reply_to"]:
        headers["In-Reply-To"] = data["in_reply_to"]
        headers["References"] = " ".join(data["references"])
    message = mail.EmailMultiAlternatives(
        subject=data["subject"],
        body=render.email_text(data["body"], data["signature"]),
        from_email=data["from"],
        to=[data["to"]],
        reply_to=[data["from"]],
        headers=headers,
    )
    html = render.email_html(data["body"], data["signature"])
    message.attach_alternative(html, "text/html")
    for item in attachments.for_comment(delivery.comment):
        message.attach(item.filename, item.read(), item.content_type)
    return message


def _mail_error(exc: Exception) -> SendError:
    if isinstance(exc, smtplib.SMTPRecipientsRefused | AnymailRecipientsRefused):
        return SendError(f"The recipient was refused: {exc}", permanent=True)
    if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500:
        return SendError(
            f"The mail server refused the message ({exc.smtp_code}).", permanent=True
        )
    if isinstance(exc, AnymailAPIError):
        code = exc.status_code or 0
        if 400 <= code < 500 and code not in TRANSIENT_CODES:
            return SendError(f"The e-mail service refused: {exc}", permanent=True)
    return SendError(
        f"The mail server is unavailable: {type(exc).__name__}: {exc}"[:500],
        permanent=False,
    )

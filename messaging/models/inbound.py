"""Inbound e-mail: the addresses (and IMAP mailboxes) a workspace receives mail on,
and one row per e-mail received, with the full original kept."""

from django.db import models
from django.db.models.functions import Lower

from helpdesk.models import Workspace
from tickets.models import Conversation, Message, Ticket


class InboundMailbox(models.Model):
    """An address customers write to. Mail addressed to it (webhooks) or found in
    its IMAP folder (poller) belongs to its workspace and to no other."""

    class Security(models.TextChoices):
        SSL = "ssl", "TLS (IMAPS, usually port 993)"
        STARTTLS = "starttls", "STARTTLS (usually port 143)"
        NONE = "none", "None (loopback only)"

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="inbound_mailboxes"
    )
    address = models.EmailField(
        help_text="The address customers write to (and replies are sent from)."
    )
    is_active = models.BooleanField(default=True)
    # IMAP polling (self-hosting); blank host: the mailbox is fed by webhooks only.
    imap_host = models.CharField(max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(default=993)
    imap_security = models.CharField(
        max_length=10, choices=Security.choices, default=Security.SSL
    )
    imap_username = models.CharField(max_length=255, blank=True)
    # Fernet token (integrations.crypto), never the plain password.
    imap_password = models.TextField(blank=True, editable=False)
    imap_folder = models.CharField(max_length=255, default="INBOX")
    # The high-water mark: UIDs up to last_uid under this UIDVALIDITY are read.
    uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(max_length=500, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["address"]
        verbose_name_plural = "inbound mailboxes"
        constraints = [
            models.UniqueConstraint(
                Lower("address"), name="uniq_inbound_mailbox_address"
            )
        ]

    def __str__(self) -> str:
        return self.address


class InboundEmail(models.Model):
    """One e-mail received, whatever became of it."""

    class Source(models.TextChoices):
        IMAP = "imap", "IMAP"
        MAILGUN = "mailgun", "Mailgun"
        POSTMARK = "postmark", "Postmark"
        SENDGRID = "sendgrid", "SendGrid"
        AMAZON_SES = "amazon_ses", "Amazon SES"
        OTHER = "other", "Other"

    class Outcome(models.TextChoices):
        THREADED = "threaded", "Added to a conversation"
        STARTED = "started", "Started a conversation"
        AUTO_REPLY = "auto_reply", "Auto-reply (recorded, not answered)"
        LOOP = "loop", "Our own mail (loop, not answered)"
        TOO_LARGE = "too_large", "Refused: too large"
        INVALID = "invalid", "Refused: unusable"

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="inbound_emails"
    )
    mailbox = models.ForeignKey(
        InboundMailbox, null=True, blank=True, on_delete=models.SET_NULL
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    email_message_id = models.CharField(max_length=255)
    from_address = models.CharField(max_length=320, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    to_address = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    size = models.PositiveIntegerField()
    # The full original message (RFC 5322 bytes); empty when it was refused.
    raw = models.BinaryField(editable=False)
    # The HTML part after nh3 (scripts and handlers removed), for display.
    html = models.TextField(blank=True)
    # DKIM / SPF / DMARC verdicts and spam flags, as the receiving service gave them.
    authentication = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    detail = models.CharField(max_length=500, blank=True)
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL
    )
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "email_message_id"],
                name="uniq_inbound_email_message",
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_address}: {self.subject[:40]}"

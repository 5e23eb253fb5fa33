"""Read new mail from the IMAP mailboxes once (what the beat task does)."""

from django.core.management.base import BaseCommand

from messaging.inbound.imap import poll_all


class Command(BaseCommand):
    help = "Poll the active IMAP inbound mailboxes once (or only those given by id)."

    def add_arguments(self, parser):
        parser.add_argument("mailbox", nargs="*", type=int, help="mailbox ids")

    def handle(self, *args, mailbox, **options):
        for result in poll_all(mailbox_ids=mailbox or None):
            box = result.mailbox
            if result.error:
                self.stdout.write(f"{box.address}: error: {result.error}")
            else:
                self.stdout.write(
                    f"{box.address}: {result.fetched} read, up to UID {box.last_uid}"
                )

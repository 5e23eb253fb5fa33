"""Re-encrypt every stored connection secret with the newest key in CREDENTIAL_KEYS.

Rotation: put a new key first in CREDENTIAL_KEYS (keep the old ones after it),
deploy, run this command, then drop the old keys."""

from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError

from integrations.crypto import reencrypt
from integrations.models import Connection

SECRETS = ("credentials_encrypted", "webhook_secret_encrypted")


class Command(BaseCommand):
    help = "Re-encrypt every connection's secrets with the newest CREDENTIAL_KEYS key."

    def handle(self, *args, **options) -> None:
        done, unreadable = 0, []
        for row in Connection.objects.values("pk", *SECRETS).iterator():
            try:
                fresh = {name: reencrypt(row[name]) for name in SECRETS}
            except InvalidToken:
                unreadable.append(row["pk"])
                continue
            # Compare-and-swap: a secret changed meanwhile is left as it was (it
            # was already written with the newest key).
            done += Connection.objects.filter(
                pk=row["pk"], **{name: row[name] for name in SECRETS}
            ).update(**fresh)
        self.stdout.write(f"Re-encrypted the secrets of {done} connection(s).")
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} connection(s) could not be decrypted with any "
                f"key in CREDENTIAL_KEYS (ids: {', '.join(map(str, unreadable))})."
            )

"""Re-encrypt every stored secret (connections, reply channels, IMAP mailboxes:
integrations.crypto.ENCRYPTED_FIELDS) with the newest key in CREDENTIAL_KEYS.

Rotation: put a new key first in CREDENTIAL_KEYS (keep the old ones after it),
deploy, run this command, then drop the old keys."""

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from integrations.crypto import ENCRYPTED_FIELDS, reencrypt


class Command(BaseCommand):
    help = "Re-encrypt every stored secret with the newest CREDENTIAL_KEYS key."

    def handle(self, *args, **options) -> None:
        unreadable = []
        for label, fields in ENCRYPTED_FIELDS.items():
            done, bad = _rotate(apps.get_model(label), fields)
            self.stdout.write(f"Re-encrypted the secrets of {done} {label} row(s).")
            unreadable += [f"{label} {pk}" for pk in bad]
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} row(s) could not be decrypted with any key in "
                f"CREDENTIAL_KEYS (ids: {', '.join(unreadable)})."
            )


def _rotate(model, fields: tuple[str, ...]) -> tuple[int, list]:
    done, unreadable = 0, []
    for row in model.objects.values("pk", *fields).iterator():
        try:
            fresh = {name: reencrypt(row[name]) for name in fields}
        except InvalidToken:
            unreadable.append(row["pk"])
            continue
        # Compare-and-swap: a secret changed meanwhile is left as it was (it was
        # already written with the newest key).
        done += model.objects.filter(
            pk=row["pk"], **{name: row[name] for name in fields}
        ).update(**fresh)
    return done, unreadable

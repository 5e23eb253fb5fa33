"""Daily clean-up of what is only kept for a while: stored Idempotency-Key answers
(a client retries within minutes; a day is the usual promise) and import files that
were previewed but never confirmed (the preview lives in one session)."""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.utils import timezone

from helpdesk.models import IdempotencyKey

IDEMPOTENCY_KEY_TTL = timedelta(hours=24)
IMPORT_PREVIEW_TTL = timedelta(days=1)
# Where the import page keeps a previewed file until it is confirmed.
IMPORT_PREVIEW_DIR = "imports"


def prune_idempotency_keys(now=None) -> int:
    cutoff = (now or timezone.now()) - IDEMPOTENCY_KEY_TTL
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def prune_import_previews(now=None) -> int:
    if not default_storage.exists(IMPORT_PREVIEW_DIR):
        return 0
    cutoff = (now or timezone.now()) - IMPORT_PREVIEW_TTL
    _, names = default_storage.listdir(IMPORT_PREVIEW_DIR)
    removed = 0
    for name in names:
        path = f"{IMPORT_PREVIEW_DIR}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)
            removed += 1
    return removed

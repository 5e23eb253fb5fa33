import os
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from helpdesk import housekeeping
from helpdesk.models import IdempotencyKey
from helpdesk.tasks import prune_expired


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _key(workspace, user, key, age):
    row = IdempotencyKey.objects.create(
        workspace=workspace,
        user=user,
        key=key,
        fingerprint="f" * 64,
        response_status=201,
        response_body={},
    )
    IdempotencyKey.objects.filter(pk=row.pk).update(created_at=timezone.now() - age)


def test_idempotency_answers_older_than_a_day_are_dropped(workspace, agent):
    _key(workspace, agent, "old", timedelta(hours=25))
    _key(workspace, agent, "recent", timedelta(hours=23))

    assert housekeeping.prune_idempotency_keys() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]


def test_abandoned_import_previews_are_removed_fresh_ones_kept(media, db):
    old = default_storage.save("imports/old", ContentFile(b"number\n1\n"))
    fresh = default_storage.save("imports/fresh", ContentFile(b"number\n2\n"))
    two_days_ago = (timezone.now() - timedelta(days=2)).timestamp()
    os.utime(media / old, (two_days_ago, two_days_ago))

    assert housekeeping.prune_import_previews() == 1
    assert not default_storage.exists(old)
    assert default_storage.exists(fresh)


def test_the_daily_job_runs_both_and_copes_with_no_imports_yet(media, workspace, agent):
    _key(workspace, agent, "old", timedelta(days=3))

    assert prune_expired() == {"idempotency_keys": 1, "import_previews": 0}

from django.conf import settings

from helpdesk.celery import app


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    registered = set(app.tasks)
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= registered, scheduled - registered


def test_outbox_drain_and_pull_are_scheduled():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "integrations.tasks.drain_outbox",
        "integrations.tasks.pull_changes",
    } <= scheduled

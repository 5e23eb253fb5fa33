"""Periodic jobs for celery beat; the lead merges BEAT_SCHEDULE into
CELERY_BEAT_SCHEDULE. A run that waited longer than its period is dropped (the next
one does the same work), so a stopped worker does not pile runs up."""

DRAIN_SECONDS = 10.0
PULL_SECONDS = 300.0

BEAT_SCHEDULE = {
    "integrations-drain-outbox": {
        "task": "integrations.tasks.drain_outbox",
        "schedule": DRAIN_SECONDS,
        "options": {"expires": DRAIN_SECONDS},
    },
    "integrations-pull-changes": {
        "task": "integrations.tasks.pull_changes",
        "schedule": PULL_SECONDS,
        "options": {"expires": PULL_SECONDS},
    },
}

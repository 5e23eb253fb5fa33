"""Periodic jobs for celery beat; the lead merges BEAT_SCHEDULE into settings."""

BEAT_SCHEDULE = {
    "integrations-drain-outbox": {
        "task": "integrations.tasks.drain_outbox",
        "schedule": 10.0,
    },
    "integrations-pull-changes": {
        "task": "integrations.tasks.pull_changes",
        "schedule": 300.0,
    },
}

"""The Celery tasks run the same drain and pull, and beat knows both."""

from integrations import tasks
from integrations.models import ExternalLink
from tests.factories import make_ticket
from tests.integrations.conftest import connect


def test_drain_task_delivers_and_running_it_twice_changes_nothing(
    workspace, kustomer, agent
):
    connection = connect(workspace, kustomer)
    make_ticket(workspace, agent)
    first = tasks.drain_outbox(connection.pk)
    second = tasks.drain_outbox(connection.pk)
    assert (first["delivered"], second["delivered"]) == (1, 0)
    assert len(kustomer.conversations) == 1
    assert ExternalLink.objects.get().state == "synced"


def test_pull_task_pulls_every_enabled_connection(workspace, zendesk):
    connection = connect(workspace, zendesk)
    assert tasks.pull_changes() == {
        str(connection.pk): {
            "created": 0,
            "updated": 0,
            "unchanged": 0,
            "stale": 0,
            "deleted": 0,
        }
    }

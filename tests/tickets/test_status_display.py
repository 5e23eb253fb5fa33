"""workflow.status_display: the workspace's status names, worked out once per
workspace instance and again when its settings are replaced."""

from types import SimpleNamespace

from tickets import workflow


def test_defaults_without_names_of_its_own():
    shown = workflow.status_display(SimpleNamespace(settings={}))
    assert shown["in_progress"] == ("In Progress", "amber")
    assert shown is workflow.DEFAULT_DISPLAY  # nothing worked out


def test_names_are_kept_until_the_settings_are_replaced():
    workspace = SimpleNamespace(
        settings={"statuses": {"in_progress": {"name": "Waiting on Agent"}}}
    )
    first = workflow.status_display(workspace)
    assert first["in_progress"] == ("Waiting on Agent", "amber")
    assert workflow.status_display(workspace) is first  # kept, not recomputed

    # The statuses service assigns new settings: the new names show at once.
    workspace.settings = {"statuses": {"in_progress": {"name": "With us"}}}
    assert workflow.status_display(workspace)["in_progress"] == ("With us", "amber")

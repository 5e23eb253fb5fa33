"""The state machine's messages, display order and timestamps, with every expected
value written here from DESIGN.md §3 (the transition table itself is pinned pair by
pair in tests/tickets/test_workflow.py)."""

from datetime import UTC, datetime

import pytest

from helpdesk.lib.errors import InvalidTransition
from tests.factories import WorkspaceFactory
from tickets import workflow

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
EARLIER = datetime(2026, 4, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "targets"),
    [
        ("open", ["in_progress", "waiting_on_contact", "resolved", "closed"]),
        ("in_progress", ["open", "waiting_on_contact", "resolved", "closed"]),
        ("waiting_on_contact", ["open", "in_progress", "resolved", "closed"]),
        ("resolved", ["open", "closed", "archived"]),
        ("closed", ["archived"]),
        ("archived", ["closed"]),
        ("no_such_status", []),
    ],
)
def test_allowed_next_lists_the_targets_in_display_order(status, targets):
    assert workflow.allowed_next(status) == targets


def test_labels_are_the_display_names_and_unknown_values_are_quoted():
    assert workflow.label("waiting_on_contact") == "Waiting on Contact"
    assert workflow.label("in_progress") == "In Progress"
    assert workflow.label("done") == "'done'"


def test_a_refused_move_names_both_statuses_and_what_is_allowed():
    with pytest.raises(InvalidTransition) as error:
        workflow.check_transition("closed", "open")
    assert error.value.message == (
        "Cannot change status from Closed to Open (allowed from Closed: Archived)."
    )
    assert error.value.field == "status"
    with pytest.raises(InvalidTransition) as error:
        workflow.check_transition("resolved", "in_progress")
    assert error.value.message == (
        "Cannot change status from Resolved to In Progress "
        "(allowed from Resolved: Open, Closed, Archived)."
    )


def test_a_move_from_an_unknown_status_says_none_is_allowed():
    with pytest.raises(InvalidTransition) as error:
        workflow.check_transition("legacy", "open")
    assert error.value.message == (
        "Cannot change status from 'legacy' to Open (allowed from 'legacy': none)."
    )


def test_a_move_to_the_same_status_says_the_ticket_is_already_there():
    with pytest.raises(InvalidTransition) as error:
        workflow.check_transition("resolved", "resolved")
    assert error.value.message == (
        "The ticket is already Resolved; "
        "cannot change status from Resolved to Resolved."
    )
    assert error.value.field == "status"


def test_an_unknown_target_is_refused_on_the_status_field():
    with pytest.raises(InvalidTransition) as error:
        workflow.check_transition("open", "done")
    assert error.value.message == "Unknown status 'done'."
    assert error.value.field == "status"


# (old, new, resolved_at before, closed_at before) -> (resolved_at, closed_at) after.
# DESIGN §3: resolving stamps resolved_at, closing stamps closed_at, an active status
# clears both, archiving keeps both, unarchiving keeps the original closing time.
TIMESTAMPS = [
    ("open", "resolved", None, None, NOW, None),
    ("open", "resolved", EARLIER, EARLIER, NOW, EARLIER),
    ("resolved", "open", EARLIER, None, None, None),
    ("closed", "archived", EARLIER, EARLIER, EARLIER, EARLIER),
    ("resolved", "archived", EARLIER, None, EARLIER, None),
    ("resolved", "closed", EARLIER, None, EARLIER, NOW),
    ("resolved", "closed", EARLIER, EARLIER, EARLIER, NOW),
    ("open", "closed", None, None, None, NOW),
    ("archived", "closed", EARLIER, EARLIER, EARLIER, EARLIER),
    ("archived", "closed", None, None, None, NOW),
    ("open", "in_progress", EARLIER, EARLIER, None, None),
    ("in_progress", "waiting_on_contact", EARLIER, EARLIER, None, None),
    ("waiting_on_contact", "open", EARLIER, EARLIER, None, None),
]


@pytest.mark.parametrize(
    ("old", "new", "resolved", "closed", "resolved_after", "closed_after"),
    TIMESTAMPS,
)
def test_timestamps_after_a_move(
    old, new, resolved, closed, resolved_after, closed_after
):
    assert workflow.timestamps_after(
        old=old, new=new, resolved_at=resolved, closed_at=closed, now=NOW
    ) == (resolved_after, closed_after)


# The six statuses as shipped: DESIGN.md §3's labels, the seeds' badge colours.
DEFAULT_DISPLAY = {
    "open": ("Open", "blue"),
    "in_progress": ("In Progress", "amber"),
    "waiting_on_contact": ("Waiting on Contact", "purple"),
    "resolved": ("Resolved", "green"),
    "closed": ("Closed", "grey"),
    "archived": ("Archived", "grey"),
}


@pytest.mark.parametrize("settings", [None, {}, {"statuses": None}, {"statuses": {}}])
def test_a_workspace_without_its_own_names_shows_the_defaults(settings):
    workspace = WorkspaceFactory.build(settings=settings)
    assert workflow.status_display(workspace) == DEFAULT_DISPLAY


def test_a_workspace_s_own_names_and_colours_replace_the_defaults_one_by_one():
    workspace = WorkspaceFactory.build(
        settings={
            "statuses": {
                "in_progress": {"name": "  Waiting on Agent ", "colour": "orange"},
                "open": {"name": "N" * 41, "colour": "pink"},  # not a badge colour
                "resolved": {"name": "D" * 40, "colour": "red"},
                "closed": {"name": "   "},
                "archived": None,
            }
        }
    )
    assert workflow.status_display(workspace) == {
        "open": ("N" * 40, "blue"),
        "in_progress": ("Waiting on Agent", "orange"),
        "waiting_on_contact": ("Waiting on Contact", "purple"),
        "resolved": ("D" * 40, "red"),
        "closed": ("Closed", "grey"),
        "archived": ("Archived", "grey"),
    }

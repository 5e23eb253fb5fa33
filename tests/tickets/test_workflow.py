from datetime import UTC, datetime
from itertools import product

import pytest

from helpdesk.lib.errors import InvalidTransition
from tickets import workflow
from tickets.workflow import Status

ALLOWED = {
    ("open", "in_progress"),
    ("open", "waiting_on_contact"),
    ("open", "resolved"),
    ("open", "closed"),
    ("in_progress", "open"),
    ("in_progress", "waiting_on_contact"),
    ("in_progress", "resolved"),
    ("in_progress", "closed"),
    ("waiting_on_contact", "open"),
    ("waiting_on_contact", "in_progress"),
    ("waiting_on_contact", "resolved"),
    ("waiting_on_contact", "closed"),
    ("resolved", "open"),
    ("resolved", "closed"),
    ("resolved", "archived"),
    ("closed", "archived"),
    ("archived", "closed"),
}


@pytest.mark.parametrize(("old", "new"), list(product(Status.values, Status.values)))
def test_every_ordered_pair_follows_the_table(old, new):
    if (old, new) in ALLOWED:
        workflow.check_transition(old, new)
        assert new in workflow.allowed_next(old)
    else:
        with pytest.raises(InvalidTransition) as error:
            workflow.check_transition(old, new)
        assert workflow.label(old) in error.value.message
        assert workflow.label(new) in error.value.message
        assert new not in workflow.allowed_next(old)


def test_unknown_status_is_refused_by_name():
    with pytest.raises(InvalidTransition, match="Unknown status 'done'"):
        workflow.check_transition("open", "done")


NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
EARLIER = datetime(2026, 4, 1, 12, tzinfo=UTC)


def test_resolving_sets_resolved_at_and_reopening_clears_it():
    resolved_at, closed_at = workflow.timestamps_after(
        old="open", new="resolved", resolved_at=None, closed_at=None, now=NOW
    )
    assert (resolved_at, closed_at) == (NOW, None)
    assert workflow.timestamps_after(
        old="resolved", new="open", resolved_at=NOW, closed_at=None, now=NOW
    ) == (None, None)


def test_closing_sets_closed_at_and_keeps_resolved_at():
    assert workflow.timestamps_after(
        old="resolved", new="closed", resolved_at=EARLIER, closed_at=None, now=NOW
    ) == (EARLIER, NOW)


def test_unarchiving_keeps_the_original_closing_time():
    assert workflow.timestamps_after(
        old="archived", new="closed", resolved_at=None, closed_at=EARLIER, now=NOW
    ) == (None, EARLIER)

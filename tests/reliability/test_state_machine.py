"""Q1 (state machine): Hypothesis drives random sequences of the ticket services on
the database (create, assign, comment, snooze, wake, resolve, reopen, any status
move, edits with the current and with a stale version, the wake-up sweep) in two
workspaces with an SLA policy, and after every step checks what must always hold:

- ticket numbers are unique and dense (1..n) per workspace;
- every change wrote exactly one timeline event and one history row; refused or
  no-op calls wrote nothing;
- a ticket is snoozed exactly when the model says so, and only while active;
- no SLA clock is due before it started, or started before its ticket existed;
- resolved_at is set exactly when the ticket is resolved (archiving keeps it).

What must succeed and what must be refused comes from the test's own copy of
DESIGN.md's transition table (ALLOWED), never from tickets/workflow.py: a wrong
product table must fail here, not be agreed with.

Bounded for CI (STATE_MACHINE_EXAMPLES x STATE_MACHINE_STEPS, about 600 steps).
"""

import itertools
import os
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count, F
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from helpdesk.lib.errors import InvalidTransition, StaleVersion
from sla.models import SlaTarget
from tests import figures
from tests.factories import MembershipFactory, WorkspaceFactory
from tests.sla.conftest import make_policy
from tickets import services
from tickets.models import Ticket, TicketEvent
from tickets.tasks import wake_due_tickets

EXAMPLES = int(os.environ.get("STATE_MACHINE_EXAMPLES", "20"))
STEPS = int(os.environ.get("STATE_MACHINE_STEPS", "25"))
# DESIGN.md §3 "Allowed transitions", written out by hand:
#   open, in_progress, waiting_on_contact -> each other, resolved, closed
#   resolved -> open (reopen), closed, archived
#   closed   -> archived
#   archived -> closed (unarchive)
ACTIVE = frozenset({"open", "in_progress", "waiting_on_contact"})
ALLOWED = {
    "open": {"in_progress", "waiting_on_contact", "resolved", "closed"},
    "in_progress": {"open", "waiting_on_contact", "resolved", "closed"},
    "waiting_on_contact": {"open", "in_progress", "resolved", "closed"},
    "resolved": {"open", "closed", "archived"},
    "closed": {"archived"},
    "archived": {"closed"},
}
# The timeline kinds these services write (SLA clocks add their own kinds).
KINDS = [
    TicketEvent.Kind.CREATED,
    TicketEvent.Kind.ASSIGNED,
    TicketEvent.Kind.COMMENTED,
    TicketEvent.Kind.SNOOZED,
    TicketEvent.Kind.WOKE,
    TicketEvent.Kind.STATUS_CHANGED,
    TicketEvent.Kind.METADATA_UPDATED,
]
_workspace_numbers = itertools.count(1)
stats = {"examples": 0, "steps": 0, "refused": 0}


@dataclass
class Expected:
    """The model's view of one ticket."""

    workspace: int
    status: str
    assignee: int | None
    snoozed: bool = False
    changes: int = 1  # the creation


class TicketServices(RuleBasedStateMachine):
    tickets = Bundle("tickets")

    def __init__(self):
        super().__init__()
        stats["examples"] += 1
        n = next(_workspace_numbers)
        self.workspaces, self.agents = [], []
        for side in "ab":
            workspace = WorkspaceFactory(slug=f"sm{n}{side}")
            make_policy(workspace)  # every ticket gets SLA clocks
            self.workspaces.append(workspace)
            self.agents.append(
                [
                    MembershipFactory(workspace=workspace).user
                    for _ in range(2)  # two agents per workspace
                ]
            )
        self.model: dict[int, Expected] = {}
        self.subjects = itertools.count()

    # --- helpers ---

    def _changed(self, pk: int) -> None:
        self.model[pk].changes += 1

    def _refused(self, call, *errors) -> None:
        """`call` must fail with one of `errors` and write nothing."""
        with pytest.raises(errors):
            call()
        stats["refused"] += 1

    def _ticket(self, pk: int) -> Ticket:
        return Ticket.objects.get(pk=pk)

    def _actor(self, pk: int):
        return self.agents[self.model[pk].workspace][0]

    # --- rules: one service call each ---

    @rule(
        target=tickets,
        side=st.integers(0, 1),
        status=st.sampled_from(["open", "in_progress", "resolved"]),
    )
    def create(self, side, status):
        stats["steps"] += 1
        actor = self.agents[side][0]
        ticket = services.ticket_create(
            workspace=self.workspaces[side],
            actor=actor,
            subject=f"Ticket {next(self.subjects)}",
            status=status,
        )
        self.model[ticket.pk] = Expected(side, status, actor.pk)
        return ticket.pk

    @rule(pk=tickets, who=st.integers(0, 2))
    def assign(self, pk, who):
        stats["steps"] += 1
        agents = self.agents[self.model[pk].workspace]
        assignee = agents[who] if who < 2 else None
        services.ticket_assign(
            ticket=self._ticket(pk), assignee=assignee, actor=self._actor(pk)
        )
        new = assignee.pk if assignee else None
        if new != self.model[pk].assignee:
            self.model[pk].assignee = new
            self._changed(pk)

    @rule(pk=tickets)
    def assign_someone_from_the_other_workspace(self, pk):
        stats["steps"] += 1
        foreign = self.agents[1 - self.model[pk].workspace][1]
        self._refused(
            lambda: services.ticket_assign(
                ticket=self._ticket(pk), assignee=foreign, actor=self._actor(pk)
            ),
            ValidationError,
        )

    @rule(pk=tickets, public=st.booleans())
    def comment(self, pk, public):
        stats["steps"] += 1
        services.comment_add(
            ticket=self._ticket(pk), actor=self._actor(pk), body="Hi", is_public=public
        )
        self._changed(pk)

    @rule(pk=tickets, minutes=st.integers(1, 600))
    def snooze(self, pk, minutes):
        stats["steps"] += 1
        call = lambda: services.ticket_snooze(  # noqa: E731
            ticket=self._ticket(pk),
            until=timezone.now() + timedelta(minutes=minutes),
            actor=self._actor(pk),
        )
        if self.model[pk].status in ACTIVE:
            call()
            self.model[pk].snoozed = True
            self._changed(pk)
        else:
            self._refused(call, ValidationError)

    @rule(pk=tickets)
    def wake(self, pk):
        stats["steps"] += 1
        services.ticket_unsnooze(
            ticket=self._ticket(pk), actor=None, kind=TicketEvent.Kind.WOKE
        )
        if self.model[pk].snoozed:
            self.model[pk].snoozed = False
            self._changed(pk)

    @rule()
    def wake_up_sweep(self):
        """The beat job, hours later: every snoozed ticket wakes once."""
        stats["steps"] += 1
        wake_due_tickets(now=timezone.now() + timedelta(days=1))
        for pk, expected in self.model.items():
            if expected.snoozed:
                expected.snoozed = False
                self._changed(pk)

    def _move(self, pk, to):
        call = lambda: services.ticket_change_status(  # noqa: E731
            ticket=self._ticket(pk), to=to, actor=self._actor(pk)
        )
        expected = self.model[pk]
        if to in ALLOWED[expected.status]:
            call()
            expected.status = to
            if to not in ACTIVE:
                expected.snoozed = False  # leaving the active statuses ends a snooze
            self._changed(pk)
        else:
            self._refused(call, InvalidTransition)

    @rule(pk=tickets)
    def resolve(self, pk):
        stats["steps"] += 1
        self._move(pk, "resolved")

    @rule(pk=tickets)
    def reopen(self, pk):
        stats["steps"] += 1
        self._move(pk, "open")

    @rule(pk=tickets, to=st.sampled_from(sorted(ALLOWED)))
    def transition(self, pk, to):
        stats["steps"] += 1
        self._move(pk, to)

    @rule(pk=tickets)
    def edit(self, pk):
        stats["steps"] += 1
        ticket = self._ticket(pk)
        services.ticket_update(
            ticket=ticket,
            actor=self._actor(pk),
            changes={"subject": f"Edited {next(self.subjects)}"},
            expected_version=ticket.version,
        )
        self._changed(pk)

    @rule(pk=tickets)
    def edit_with_a_stale_version(self, pk):
        stats["steps"] += 1
        ticket = self._ticket(pk)
        self._refused(
            lambda: services.ticket_update(
                ticket=ticket,
                actor=self._actor(pk),
                changes={"subject": "Lost update"},
                expected_version=ticket.version - 1,
            ),
            StaleVersion,
        )

    # --- invariants, checked after every step ---

    @invariant()
    def numbers_are_unique_and_dense_per_workspace(self):
        for workspace in self.workspaces:
            numbers = sorted(
                Ticket.objects.filter(workspace=workspace).values_list(
                    "number", flat=True
                )
            )
            assert numbers == list(range(1, len(numbers) + 1)), numbers

    @invariant()
    def one_event_and_one_history_row_per_change(self):
        events = dict(
            TicketEvent.objects.filter(ticket_id__in=self.model, kind__in=KINDS)
            .values_list("ticket_id")
            .annotate(n=Count("id"))
        )
        history = dict(
            Ticket.history.filter(id__in=self.model)
            .values_list("id")
            .annotate(n=Count("history_id"))
        )
        wanted = {pk: e.changes for pk, e in self.model.items()}
        assert events == wanted, (events, wanted)
        assert history == wanted, (history, wanted)

    @invariant()
    def snoozed_exactly_when_the_model_says_and_only_while_active(self):
        snoozed = set(
            Ticket.objects.filter(
                pk__in=self.model, snoozed_until__isnull=False
            ).values_list("pk", flat=True)
        )
        assert snoozed == {pk for pk, e in self.model.items() if e.snoozed}
        assert not Ticket.objects.filter(pk__in=snoozed).exclude(status__in=ACTIVE)

    @invariant()
    def sla_clocks_never_due_before_they_start(self):
        clocks = SlaTarget.objects.filter(ticket_id__in=self.model)
        assert not clocks.filter(due_at__lt=F("started_at")).exists()
        assert not clocks.filter(started_at__lt=F("ticket__created_at")).exists()
        assert not clocks.filter(warn_at__gt=F("due_at")).exists()

    @invariant()
    def status_and_resolved_at_agree(self):
        rows = Ticket.objects.filter(pk__in=self.model).values_list(
            "pk", "status", "resolved_at", "closed_at", "assignee_id"
        )
        for pk, status, resolved_at, closed_at, assignee in rows:
            assert status == self.model[pk].status
            assert assignee == self.model[pk].assignee
            if status == "resolved":
                assert resolved_at is not None
            if status in ACTIVE:
                assert resolved_at is None
            if status == "closed":  # DESIGN: entering closed sets closed_at
                assert closed_at is not None


@pytest.mark.django_db
def test_q1_ticket_services_keep_their_invariants():
    violations = 0
    try:
        run_state_machine_as_test(
            TicketServices,
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            ),
        )
    except AssertionError:
        violations = 1
        raise
    finally:
        figures.report(
            "Q1-state-machine",
            {"invariant_violations": 0, "refused_calls_checked": figures.at_least(20)},
            examples=stats["examples"],
            steps=stats["steps"],
            refused_calls_checked=stats["refused"],
            invariant_violations=violations,
        )

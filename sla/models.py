"""SLA: calendars (business hours), ordered policies with per-priority targets, and
one clock (SlaTarget) per ticket and metric."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from helpdesk.models import Workspace, validate_timezone
from sla import clock
from tickets.models import Ticket


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    NEXT_RESPONSE = "next_response", "Next response"
    RESOLUTION = "resolution", "Resolution"


class Calendar(models.Model):
    """Business hours in a time zone with holidays, or round the clock (24/7)."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="sla_calendars"
    )
    name = models.CharField(max_length=100)
    timezone = models.CharField(
        max_length=64, default="UTC", validators=[validate_timezone]
    )
    is_24x7 = models.BooleanField(
        "24/7", default=False, help_text="Open round the clock; intervals are ignored."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def business_hours(self) -> clock.BusinessHours | None:
        """The pure calendar for clock maths; None for 24/7."""
        if self.is_24x7:
            return None
        return clock.BusinessHours.build(
            self.timezone,
            [(i.weekday, i.start_minute, i.end_minute) for i in self.intervals.all()],
            [h.date for h in self.holidays.all()],
        )


class CalendarInterval(models.Model):
    """An open interval on one weekday, in minutes since local midnight."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    calendar = models.ForeignKey(
        Calendar, on_delete=models.CASCADE, related_name="intervals"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_minute = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(1439)], help_text="e.g. 540 = 09:00"
    )
    end_minute = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(1440)],
        help_text="e.g. 1020 = 17:00; 1440 = midnight",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["weekday", "start_minute"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    start_minute__lt=models.F("end_minute"), end_minute__lte=1440
                ),
                name="sla_interval_start_before_end",
            )
        ]

    def __str__(self) -> str:
        def hhmm(m: int) -> str:
            return f"{m // 60:02d}:{m % 60:02d}"

        return (
            f"{self.get_weekday_display()} "
            f"{hhmm(self.start_minute)}-{hhmm(self.end_minute)}"
        )


class Holiday(models.Model):
    """A local date on which a calendar is closed all day."""

    calendar = models.ForeignKey(
        Calendar, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "date"], name="uniq_holiday_per_calendar"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


CONDITION_KEYS = ("priority", "team", "label", "channel", "source", "tags")


class SlaPolicy(models.Model):
    """Targets for the tickets its conditions match; the first match by position wins.

    `conditions` maps a field to the values it accepts, e.g.
    {"priority": [4, 5], "team": [3], "label": [7], "channel": ["chat"],
    "source": ["ai_escalation"], "tags": ["vip"]}. Every given field must match
    (a label matches itself or a parent; tags match if the ticket has any of them).
    No conditions: the fallback policy.
    """

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="sla_policies"
    )
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    conditions = models.JSONField(default=dict, blank=True)
    calendar = models.ForeignKey(
        Calendar,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policies",
        help_text="Business hours for business-hour targets; empty means 24/7.",
    )
    internal_notes_fulfil = models.BooleanField(
        default=False,
        help_text="Internal notes fulfil first and next response (normally only "
        "public replies do).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.conditions, dict):
            raise ValidationError({"conditions": ["Give an object of field: values."]})
        errors = []
        for key, values in self.conditions.items():
            if key not in CONDITION_KEYS:
                errors.append(
                    f"Unknown condition {key!r}; use {', '.join(CONDITION_KEYS)}."
                )
            elif not isinstance(values, list):
                errors.append(f"Condition {key!r} must be a list of values.")
        if self.calendar_id and self.calendar.workspace_id != self.workspace_id:
            raise ValidationError(
                {"calendar": ["That calendar is in another workspace."]}
            )
        if errors:
            raise ValidationError({"conditions": errors})


class SlaPolicyTarget(models.Model):
    """How long a metric may take for one priority under a policy."""

    policy = models.ForeignKey(
        SlaPolicy, on_delete=models.CASCADE, related_name="targets"
    )
    priority = models.PositiveSmallIntegerField(choices=Ticket.Priority.choices)
    metric = models.CharField(max_length=20, choices=Metric.choices)
    minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    business_hours = models.BooleanField(
        default=True, help_text="Count only the calendar's open hours."
    )
    warn_percent = models.PositiveSmallIntegerField(
        default=25,
        validators=[MaxValueValidator(100)],
        help_text="Warn when this share of the target is left (default: last 25 %).",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["policy", "-priority", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "priority", "metric"], name="uniq_policy_target"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} P{self.priority}: {self.minutes} min"

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.minutes)


class SlaTarget(models.Model):
    """One SLA clock: a ticket's metric, when it started, is due, paused, ended.

    Times are stored in UTC. `paused_seconds` is the business time spent paused;
    the due date is `started_at` + target + paused time, counted on the calendar.
    """

    class State(models.TextChoices):
        ON_TRACK = "on_track", "On track"
        AT_RISK = "at_risk", "At risk"
        BREACHED = "breached", "Breached"
        PAUSED = "paused", "Paused"
        FULFILLED = "fulfilled", "Fulfilled"
        FULFILLED_LATE = "fulfilled_late", "Fulfilled late"

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="sla_targets"
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="sla_targets"
    )
    policy = models.ForeignKey(
        SlaPolicy, null=True, on_delete=models.SET_NULL, related_name="clocks"
    )
    metric = models.CharField(max_length=20, choices=Metric.choices)
    cycle = models.PositiveIntegerField(
        default=1, help_text="Next response: which customer message this answers."
    )
    target_seconds = models.PositiveIntegerField()
    business_hours = models.BooleanField(default=True)
    warn_percent = models.PositiveSmallIntegerField(default=25)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    warn_at = models.DateTimeField()
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "metric"], name="uniq_sla_target_per_metric"
            )
        ]
        indexes = [
            # sla.tasks.sla_sweep, breaches: running clocks past due_at not yet marked.
            models.Index(
                fields=["due_at"],
                name="sla_target_breach_due",
                condition=Q(
                    fulfilled_at__isnull=True,
                    paused_at__isnull=True,
                    breached_at__isnull=True,
                ),
            ),
            # sla.tasks.sla_sweep, warnings: running clocks past warn_at not yet warned.
            models.Index(
                fields=["warn_at"],
                name="sla_target_warn_due",
                condition=Q(
                    fulfilled_at__isnull=True,
                    paused_at__isnull=True,
                    breached_at__isnull=True,
                    warned_at__isnull=True,
                ),
            ),
            # sla.selectors: next breach per ticket and the due/overdue/at-risk filters
            # read only running clocks.
            models.Index(
                fields=["ticket", "due_at"],
                name="sla_target_running",
                condition=Q(fulfilled_at__isnull=True, paused_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} of ticket {self.ticket_id}"

    def state_at(self, now) -> str:
        """The clock's state at `now` (see State)."""
        if self.fulfilled_at is not None:
            late = self.breached_at is not None or self.fulfilled_at > self.due_at
            return self.State.FULFILLED_LATE if late else self.State.FULFILLED
        if self.breached_at is not None or (
            self.paused_at is None and now >= self.due_at
        ):
            return self.State.BREACHED
        if self.paused_at is not None:
            return self.State.PAUSED
        if now >= self.warn_at:
            return self.State.AT_RISK
        return self.State.ON_TRACK

    def time_left(self, now) -> timedelta | None:
        """Calendar time until due (negative once overdue); frozen while paused;
        None once fulfilled."""
        if self.fulfilled_at is not None:
            return None
        reference = self.paused_at or now
        return self.due_at - reference

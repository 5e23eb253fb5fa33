import pytest

from sla.models import Calendar, CalendarInterval, SlaPolicy, SlaPolicyTarget

# Priority -> (first response, next response, resolution) in minutes.
DEFAULT_TARGETS = {3: (60, 30, 480), 5: (15, 10, 120)}


def make_policy(
    workspace,
    *,
    name="Standard",
    position=0,
    conditions=None,
    calendar=None,
    targets=None,
    business_hours=False,
    **fields,
):
    policy = SlaPolicy.objects.create(
        workspace=workspace,
        name=name,
        position=position,
        conditions=conditions or {},
        calendar=calendar,
        **fields,
    )
    for priority, minutes in (targets or DEFAULT_TARGETS).items():
        for metric, value in zip(
            ("first_response", "next_response", "resolution"), minutes, strict=True
        ):
            if value:
                SlaPolicyTarget.objects.create(
                    policy=policy,
                    priority=priority,
                    metric=metric,
                    minutes=value,
                    business_hours=business_hours,
                )
    return policy


def make_office_calendar(workspace, tz="Europe/Berlin", holidays=()):
    """Monday to Friday 9:00-17:00."""
    calendar = Calendar.objects.create(workspace=workspace, name="Office", timezone=tz)
    for weekday in range(5):
        CalendarInterval.objects.create(
            calendar=calendar, weekday=weekday, start_minute=540, end_minute=1020
        )
    for day in holidays:
        calendar.holidays.create(date=day)
    return calendar


@pytest.fixture
def policy(workspace):
    return make_policy(workspace)

"""Business-time maths: nights, weekends, holidays, DST, time zones, and properties."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla.clock import (
    BusinessHours,
    ClosedCalendar,
    add_business_time,
    business_time_between,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
H = timedelta(hours=1)


def office(tz, holidays=(), start=9 * 60, end=17 * 60):
    """Monday to Friday, 9:00-17:00 local."""
    return BusinessHours.build(
        tz, [(d, start, end) for d in range(5)], holidays=holidays
    )


def local(tz, *args):
    return datetime(*args, tzinfo=tz)


def test_time_within_one_business_day():
    hours = office(BERLIN)
    start = local(BERLIN, 2024, 1, 10, 10, 0)  # Wednesday
    assert add_business_time(start, 2 * H, hours) == local(BERLIN, 2024, 1, 10, 12, 0)


def test_time_left_at_closing_carries_over_the_night():
    hours = office(BERLIN)
    start = local(BERLIN, 2024, 1, 10, 16, 0)
    assert add_business_time(start, 2 * H, hours) == local(BERLIN, 2024, 1, 11, 10, 0)


def test_start_at_night_counts_from_next_opening():
    hours = office(BERLIN)
    start = local(BERLIN, 2024, 1, 10, 22, 30)
    assert add_business_time(start, H, hours) == local(BERLIN, 2024, 1, 11, 10, 0)


def test_friday_afternoon_carries_over_the_weekend():
    hours = office(BERLIN)
    start = local(BERLIN, 2024, 1, 12, 15, 0)  # Friday
    assert add_business_time(start, 4 * H, hours) == local(BERLIN, 2024, 1, 15, 11, 0)


def test_holidays_are_skipped():
    hours = office(BERLIN, holidays=[date(2024, 12, 25), date(2024, 12, 26)])
    start = local(BERLIN, 2024, 12, 24, 16, 0)  # Tuesday before Christmas
    assert add_business_time(start, 2 * H, hours) == local(BERLIN, 2024, 12, 27, 10, 0)


def test_elapsed_business_time_skips_nights_weekends_and_holidays():
    hours = office(BERLIN, holidays=[date(2024, 1, 15)])
    start = local(BERLIN, 2024, 1, 12, 16, 0)  # Friday 16:00
    end = local(BERLIN, 2024, 1, 16, 10, 0)  # Tuesday 10:00 after a holiday Monday
    assert business_time_between(start, end, hours) == 2 * H


def test_same_local_hours_in_other_time_zone_are_other_instants():
    start = datetime(2024, 1, 10, 12, 0, tzinfo=UTC)
    # 12:00 UTC is 13:00 in Berlin and 07:00 in New York (closed until 9:00).
    assert add_business_time(start, H, office(BERLIN)) == datetime(
        2024, 1, 10, 13, 0, tzinfo=UTC
    )
    assert add_business_time(start, H, office(NEW_YORK)) == datetime(
        2024, 1, 10, 15, 0, tzinfo=UTC
    )


def test_dst_spring_forward_keeps_office_hours_local():
    hours = office(BERLIN)
    # Friday 29 March 2024 16:00 CET; clocks go forward on Sunday 31 March.
    start = local(BERLIN, 2024, 3, 29, 16, 0)
    due = add_business_time(start, 2 * H, hours)
    assert due == local(BERLIN, 2024, 4, 1, 10, 0)  # Monday 10:00 CEST
    assert due.astimezone(UTC) == datetime(2024, 4, 1, 8, 0, tzinfo=UTC)


def test_dst_fall_back_keeps_office_hours_local():
    hours = office(NEW_YORK)
    # Friday 1 November 2024 16:00 EDT; clocks go back on Sunday 3 November.
    start = local(NEW_YORK, 2024, 11, 1, 16, 0)
    due = add_business_time(start, 2 * H, hours)
    assert due.astimezone(UTC) == datetime(2024, 11, 4, 15, 0, tzinfo=UTC)  # 10 EST


def test_round_the_clock_calendar_loses_an_hour_on_spring_forward_night():
    all_day = BusinessHours.build(BERLIN, [(d, 0, 1440) for d in range(7)])
    start = local(BERLIN, 2024, 3, 31, 0, 0)
    end = local(BERLIN, 2024, 4, 1, 0, 0)
    assert business_time_between(start, end, all_day) == 23 * H
    start = local(BERLIN, 2024, 10, 27, 0, 0)
    end = local(BERLIN, 2024, 10, 28, 0, 0)
    assert business_time_between(start, end, all_day) == 25 * H


def test_no_business_hours_means_calendar_time():
    start = datetime(2024, 1, 13, 23, 0, tzinfo=UTC)  # Saturday night
    assert add_business_time(start, 3 * H, None) == start + 3 * H
    assert business_time_between(start, start + 3 * H, None) == 3 * H


def test_calendar_with_no_open_time_fails_loudly():
    closed = BusinessHours.build("UTC", [])
    with pytest.raises(ClosedCalendar):
        add_business_time(datetime(2024, 1, 1, tzinfo=UTC), H, closed)


def test_naive_instants_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(datetime(2024, 1, 1), H, None)  # noqa: DTZ001


# --- properties ---

ZONES = st.sampled_from(
    ["UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]
)
INSTANTS = st.datetimes(
    min_value=datetime(2023, 1, 1), max_value=datetime(2026, 12, 31)
).map(lambda d: d.replace(tzinfo=UTC))
DURATIONS = st.integers(min_value=0, max_value=60 * 24 * 20).map(
    lambda m: timedelta(minutes=m)
)
INTERVALS = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 1439), st.integers(1, 600)).map(
        lambda t: (t[0], t[1], min(1440, t[1] + t[2]))
    ),
    min_size=1,
    max_size=8,
)
HOLIDAYS = st.lists(st.dates(date(2023, 1, 1), date(2026, 12, 31)), max_size=30)


@st.composite
def calendars(draw):
    if draw(st.booleans()) and draw(st.booleans()):
        return None
    return BusinessHours.build(draw(ZONES), draw(INTERVALS), draw(HOLIDAYS))


@settings(max_examples=200, deadline=None)
@given(hours=calendars(), start=INSTANTS, duration=DURATIONS)
def test_due_never_precedes_start_and_spans_exactly_the_duration(
    hours, start, duration
):
    due = add_business_time(start, duration, hours)
    assert due >= start
    assert business_time_between(start, due, hours) == duration


@settings(max_examples=200, deadline=None)
@given(
    hours=calendars(),
    start=INSTANTS,
    duration=DURATIONS,
    pause_after=st.integers(0, 60 * 24 * 30),
    pause_for=st.integers(0, 60 * 24 * 30),
)
def test_pausing_shifts_due_by_exactly_the_paused_business_time(
    hours, start, duration, pause_after, pause_for
):
    paused_at = start + timedelta(minutes=pause_after)
    resumed_at = paused_at + timedelta(minutes=pause_for)
    paused = business_time_between(paused_at, resumed_at, hours)
    due = add_business_time(start, duration, hours)
    due_after_pause = add_business_time(start, duration + paused, hours)
    assert due_after_pause >= due
    assert business_time_between(due, due_after_pause, hours) == paused

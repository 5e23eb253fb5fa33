"""Business-time edges: interval bounds, merging, the exact end of a day, the search
horizon and zero durations. Every expected instant is written here by hand (a
Berlin office in January is UTC+1)."""

import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla.clock import (
    BusinessHours,
    ClosedCalendar,
    add_business_time,
    business_time_between,
)

BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
WED = date(2024, 1, 10)


def office():
    return BusinessHours.build("Europe/Berlin", [(d, 540, 1020) for d in range(5)])


@pytest.mark.parametrize(
    "interval", [(0, 0, 1440), (6, 0, 60), (3, 1439, 1440), (0, 0, 1)]
)
def test_intervals_inside_a_week_and_a_day_are_accepted(interval):
    hours = BusinessHours.build("UTC", [interval])
    assert hours.weekly == {interval[0]: ((interval[1], interval[2]),)}


@pytest.mark.parametrize(
    "interval", [(-1, 0, 60), (7, 0, 60), (0, -1, 60), (0, 60, 60), (0, 60, 1441)]
)
def test_intervals_outside_a_week_or_a_day_are_refused(interval):
    with pytest.raises(ValueError) as error:
        BusinessHours.build("UTC", [interval])
    assert str(error.value) == f"bad interval {interval!r}"


def test_touching_and_overlapping_intervals_are_merged_in_order():
    hours = BusinessHours.build(
        BERLIN,
        [(0, 720, 1020), (0, 540, 720), (1, 540, 720), (1, 600, 660), (2, 60, 120)]
        + [(2, 0, 30)],
        holidays=[WED],
    )
    assert hours.weekly == {
        0: ((540, 1020),),
        1: ((540, 720),),
        2: ((0, 30), (60, 120)),
    }
    assert hours.tz == BERLIN
    assert hours.holidays == frozenset({WED})
    assert BusinessHours.build("Europe/Berlin", []).tz == BERLIN


def test_local_minutes_become_utc_instants_and_1440_is_next_midnight():
    hours = office()
    assert hours._local_instant(WED, 0) == datetime(2024, 1, 9, 23, 0, tzinfo=UTC)
    assert hours._local_instant(WED, 61) == datetime(2024, 1, 10, 0, 1, tzinfo=UTC)
    assert hours._local_instant(WED, 1440) == datetime(2024, 1, 10, 23, 0, tzinfo=UTC)


def test_open_intervals_start_on_the_local_day_before():
    since = datetime(2024, 1, 10, 10, 0, tzinfo=BERLIN)  # Wednesday
    first, second = list(zip(range(2), office().open_intervals(since), strict=False))
    assert first[1] == (
        datetime(2024, 1, 9, 8, 0, tzinfo=UTC),
        datetime(2024, 1, 9, 16, 0, tzinfo=UTC),
    )
    assert second[1][0] == datetime(2024, 1, 10, 8, 0, tzinfo=UTC)


def _daily_with_holidays(first_day, count):
    """Open 9:00-10:00 every day, except `count` days from `first_day` on."""
    return BusinessHours.build(
        "UTC",
        [(d, 540, 600) for d in range(7)],
        holidays=[first_day + timedelta(days=i) for i in range(count)],
    )


# The search looks 3 * 366 = 1098 closed days ahead (sla/clock.py MAX_DAYS_AHEAD,
# "the calendar is declared closed for good" after that).
SINCE = datetime(2024, 1, 2, 0, 0, tzinfo=UTC)
DAY_BEFORE = date(2024, 1, 1)


def test_1098_closed_days_in_a_row_are_still_searched_through():
    hours = _daily_with_holidays(DAY_BEFORE, 1098)
    assert add_business_time(SINCE, H, hours) == datetime(
        2027, 1, 3, 10, 0, tzinfo=UTC
    )  # 2024-01-01 + 1098 days = 2027-01-03


def test_1099_closed_days_in_a_row_declare_the_calendar_closed():
    with pytest.raises(ClosedCalendar, match="^the calendar has no open hours ahead$"):
        add_business_time(SINCE, H, _daily_with_holidays(DAY_BEFORE, 1099))


def test_an_open_day_starts_the_count_of_closed_days_again():
    # The day before is open; then 1098 holidays; then open again.
    hours = _daily_with_holidays(SINCE.date(), 1098)
    assert add_business_time(SINCE, H, hours) == datetime(2027, 1, 4, 10, 0, tzinfo=UTC)


def test_exactly_the_rest_of_the_day_ends_at_closing_time():
    start = datetime(2024, 1, 10, 9, 0, tzinfo=BERLIN)
    assert add_business_time(start, 8 * H, office()) == datetime(
        2024, 1, 10, 17, 0, tzinfo=BERLIN
    )


def test_a_zero_duration_is_the_start_even_at_night():
    night = datetime(2024, 1, 13, 23, 0, tzinfo=BERLIN)  # Saturday
    assert add_business_time(night, timedelta(0), office()) == night


def test_a_negative_duration_is_refused():
    start = datetime(2024, 1, 10, 9, 0, tzinfo=BERLIN)
    with pytest.raises(ValueError, match="^duration must not be negative$"):
        add_business_time(start, -timedelta(seconds=1), office())
    with pytest.raises(ValueError, match="^start must be timezone-aware$"):
        add_business_time(datetime(2024, 1, 10, 9), H, office())


def test_elapsed_time_is_zero_unless_the_end_is_after_the_start():
    start = datetime(2024, 1, 10, 10, 0, tzinfo=BERLIN)
    assert business_time_between(start, start, office()) == timedelta(0)
    assert business_time_between(start, start - H, None) == timedelta(0)
    assert business_time_between(start, start + H, office()) == H


@pytest.mark.parametrize("which", ["start", "end"])
def test_elapsed_time_needs_two_aware_instants(which):
    aware = datetime(2024, 1, 10, 10, 0, tzinfo=BERLIN)
    naive = datetime(2024, 1, 10, 12, 0)
    start, end = (naive, aware) if which == "start" else (aware, naive)
    with pytest.raises(ValueError, match="^instants must be timezone-aware$"):
        business_time_between(start, end, None)


def test_elapsed_time_counts_only_the_open_part_of_partial_intervals():
    start = datetime(2024, 1, 10, 16, 30, tzinfo=BERLIN)  # Wednesday
    end = datetime(2024, 1, 11, 9, 15, tzinfo=BERLIN)
    assert business_time_between(start, end, office()) == timedelta(minutes=45)


def test_local_intervals_that_overlap_in_utc_after_the_spring_gap_count_once():
    """Berlin, Sunday 31 March 2024: 02:00-03:00 does not exist. 01:00-02:30 ends
    at 02:30 read as CET (01:30 UTC), after 03:00 CEST (01:00 UTC) where the next
    interval starts: the overlap is counted once (2 h, not 2 h 30)."""
    hours = BusinessHours.build("Europe/Berlin", [(6, 60, 150), (6, 180, 240)])
    since = datetime(2024, 3, 30, 22, 0, tzinfo=UTC)
    first, second = list(zip(range(2), hours.open_intervals(since), strict=False))
    assert first[1] == (
        datetime(2024, 3, 31, 0, 0, tzinfo=UTC),
        datetime(2024, 3, 31, 1, 30, tzinfo=UTC),
    )
    assert second[1] == (
        datetime(2024, 3, 31, 1, 30, tzinfo=UTC),
        datetime(2024, 3, 31, 2, 0, tzinfo=UTC),
    )
    end = datetime(2024, 3, 31, 3, 0, tzinfo=UTC)
    assert business_time_between(since, end, hours) == 2 * H
    assert add_business_time(since, 2 * H, hours) == datetime(
        2024, 3, 31, 2, 0, tzinfo=UTC
    )


@pytest.fixture
def server_in_new_york(monkeypatch):
    """The process's own zone (Django's TIME_ZONE setting sets TZ) far from both
    UTC and the calendar's zone."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_clock_ignores_the_server_s_time_zone(server_in_new_york):
    # Auckland (UTC+13 in January): 12:00 UTC on the 9th is 01:00 on the 10th there,
    # so the local day before is the 9th, whose 9:00-17:00 is 20:00-04:00 UTC.
    hours = BusinessHours.build("Pacific/Auckland", [(d, 540, 1020) for d in range(7)])
    since = datetime(2024, 1, 9, 12, 0, tzinfo=UTC)
    opens, closes = next(hours.open_intervals(since))
    assert (opens, closes) == (
        datetime(2024, 1, 8, 20, 0, tzinfo=UTC),
        datetime(2024, 1, 9, 4, 0, tzinfo=UTC),
    )
    # Instants come back in UTC, whatever zone the server runs in.
    assert opens.utcoffset() == closes.utcoffset() == timedelta(0)
    due = add_business_time(since, H, hours)
    assert (due, due.utcoffset()) == (
        datetime(2024, 1, 9, 21, 0, tzinfo=UTC),
        timedelta(0),
    )


def test_no_time_between_equal_instants_even_on_a_closed_calendar():
    instant = datetime(2024, 1, 10, 10, 0, tzinfo=UTC)
    never_open = BusinessHours.build("UTC", [])
    assert business_time_between(instant, instant, never_open) == timedelta(0)


def test_elapsed_time_stops_at_an_opening_that_is_the_end():
    # Open 9:00-10:00 daily, then closed for good from 3 January: the search must
    # not look past the opening at 9:00 on the 2nd, where the span ends.
    hours = _daily_with_holidays(date(2024, 1, 3), 1099)
    start = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    end = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)
    assert business_time_between(start, end, hours) == timedelta(0)


def test_an_interval_lost_in_the_spring_gap_is_not_open_time():
    # 02:00-03:00 on 31 March 2024 does not exist in Berlin: both ends are 01:00 UTC.
    hours = BusinessHours.build("Europe/Berlin", [(6, 120, 180), (6, 240, 300)])
    since = datetime(2024, 3, 30, 22, 0, tzinfo=UTC)
    assert next(hours.open_intervals(since)) == (
        datetime(2024, 3, 31, 2, 0, tzinfo=UTC),
        datetime(2024, 3, 31, 3, 0, tzinfo=UTC),
    )

"""Business-time maths, pure: no database, no Django.

A `BusinessHours` is a time zone, open intervals per weekday (minutes since local
midnight, 0..1440) and holidays (local dates closed all day). Business time is real
elapsed time inside open intervals, so on a DST change day an interval that spans the
jump is an hour shorter or longer, and a 9:00-17:00 day is still 8 hours.
`None` in place of business hours means 24/7 (calendar time).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# How far ahead a search for open time may look before the calendar is declared
# closed for good (e.g. every weekday made a holiday).
MAX_DAYS_AHEAD = 3 * 366
ZERO = timedelta(0)


class ClosedCalendar(ValueError):
    """The calendar has no open time within reach."""


@dataclass(frozen=True)
class BusinessHours:
    """Weekly open intervals in a time zone, minus holidays."""

    tz: ZoneInfo
    # weekday (Monday 0 .. Sunday 6) -> sorted (start_minute, end_minute) pairs
    weekly: dict[int, tuple[tuple[int, int], ...]]
    holidays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def build(
        cls,
        tz: str | ZoneInfo,
        intervals: Iterable[tuple[int, int, int]],
        holidays: Iterable[date] = (),
    ) -> BusinessHours:
        """From (weekday, start_minute, end_minute) triples; overlaps are merged."""
        zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        per_day: dict[int, list[tuple[int, int]]] = {}
        for weekday, start, end in intervals:
            if not (0 <= weekday <= 6 and 0 <= start < end <= 1440):
                raise ValueError(f"bad interval {(weekday, start, end)!r}")
            per_day.setdefault(weekday, []).append((start, end))
        weekly = {}
        for weekday, spans in per_day.items():
            merged: list[tuple[int, int]] = []
            for start, end in sorted(spans):
                if merged and start <= merged[-1][1]:
                    merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
                else:
                    merged.append((start, end))
            weekly[weekday] = tuple(merged)
        return cls(tz=zone, weekly=weekly, holidays=frozenset(holidays))

    def _local_instant(self, day: date, minute: int) -> datetime:
        if minute == 1440:
            moment = datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.tz)
        else:
            moment = datetime.combine(
                day, time(minute // 60, minute % 60), tzinfo=self.tz
            )
        return moment.astimezone(UTC)

    def open_intervals(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open (start, end) UTC pairs in time order, from the local day before `since`
        on. Raises ClosedCalendar when nothing is open for MAX_DAYS_AHEAD days."""
        day = since.astimezone(self.tz).date() - timedelta(days=1)
        last_end: datetime | None = None
        closed_days = 0
        while True:
            spans = () if day in self.holidays else self.weekly.get(day.weekday(), ())
            if not spans:
                closed_days += 1
                if closed_days > MAX_DAYS_AHEAD:
                    raise ClosedCalendar("the calendar has no open hours ahead")
            else:
                closed_days = 0
            for start_minute, end_minute in spans:
                start = self._local_instant(day, start_minute)
                end = self._local_instant(day, end_minute)
                if last_end is not None and start < last_end:
                    start = last_end  # a DST fold can make local intervals overlap
                if end > start:
                    last_end = end
                    yield start, end
            day += timedelta(days=1)


def add_business_time(
    start: datetime, duration: timedelta, hours: BusinessHours | None
) -> datetime:
    """The instant when `duration` of business time has passed since `start`."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if duration < ZERO:
        raise ValueError("duration must not be negative")
    if hours is None:
        return start + duration
    if duration == ZERO:
        return start
    remaining = duration
    for open_at, close_at in hours.open_intervals(start):
        if close_at <= start:
            continue
        begin = max(open_at, start)
        span = close_at - begin
        if remaining <= span:
            return begin + remaining
        remaining -= span
    raise ClosedCalendar("unreachable")  # pragma: no cover - generator is endless


def business_time_between(
    start: datetime, end: datetime, hours: BusinessHours | None
) -> timedelta:
    """Business time elapsed from `start` to `end` (zero if end is not after start)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    if end <= start:
        return ZERO
    if hours is None:
        return end - start
    total = ZERO
    for open_at, close_at in hours.open_intervals(start):
        if open_at >= end:
            break
        overlap = min(close_at, end) - max(open_at, start)
        if overlap > ZERO:
            total += overlap
    return total

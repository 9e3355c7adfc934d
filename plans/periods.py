"""Billing periods: half-open [start, end) intervals of aware datetimes, pure functions without the database.

Boundaries fall on midnights of the customer's timezone and are returned in UTC. Calendar periods align to the
calendar (weeks from Monday, months, quarters from Jan/Apr/Jul/Oct, half-years from Jan/Jul, years); anniversary
periods start on the subscription date. The first period starts when the subscription starts, so a calendar
subscription begins with a partial period.
"""

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKLY = "weekly"
CALENDAR = "calendar"
ANNIVERSARY = "anniversary"

MONTHS_PER_PERIOD = {"monthly": 1, "quarterly": 3, "semiannual": 6, "yearly": 12}
INTERVALS = (WEEKLY, *MONTHS_PER_PERIOD)
BILLING_TIMES = (CALENDAR, ANNIVERSARY)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    def __contains__(self, at: datetime) -> bool:
        return self.start <= at < self.end


def billing_period_containing(
    *,
    interval: str,
    billing_time: str,
    anchor: datetime,
    at: datetime,
    tz: str,
    started_at: datetime | None = None,
) -> Period:
    """The billing period that contains `at`.

    `anchor` is the subscription date (subscription_at): the day anniversary periods start on. `started_at` is when the
    subscription actually began, when later than the anchor (a plan change keeps the anchor of the subscription it
    replaces); the first period starts there.
    """
    begins = max(anchor, started_at) if started_at is not None else anchor
    if at < begins:
        raise ValueError("at is before the subscription starts")
    whole = whole_billing_period_containing(interval=interval, billing_time=billing_time, anchor=anchor, at=at, tz=tz)
    return Period(start=max(whole.start, begins), end=whole.end)


def whole_billing_period_containing(
    *, interval: str, billing_time: str, anchor: datetime, at: datetime, tz: str
) -> Period:
    """The whole billing period that contains `at`, from midnight to midnight, not cut where a subscription starts.

    It is the base of proration: a fee is prorated by the days billed against the days of the whole period.
    """
    zone = ZoneInfo(tz)
    first_day, next_first_day = _period_dates(
        interval=interval,
        billing_time=billing_time,
        anchor_day=anchor.astimezone(zone).date(),
        day=at.astimezone(zone).date(),
    )
    return Period(start=_midnight(first_day, zone), end=_midnight(next_first_day, zone))


def local_days(period: Period, *, tz: str) -> int:
    """The customer-local days that `period` touches.

    Its first day counts whole, whatever the hour; its last day counts unless the period ends at that day's midnight.
    """
    zone = ZoneInfo(tz)
    first_day = period.start.astimezone(zone).date()
    end_day = period.end.astimezone(zone).date()
    last_day = end_day - timedelta(days=1) if period.end == _midnight(end_day, zone) else end_day
    return (last_day - first_day).days + 1


def next_period(
    period: Period,
    *,
    interval: str,
    billing_time: str,
    anchor: datetime,
    tz: str,
    started_at: datetime | None = None,
) -> Period:
    """The period that follows `period`: it starts where `period` ends."""
    return billing_period_containing(
        interval=interval, billing_time=billing_time, anchor=anchor, at=period.end, tz=tz, started_at=started_at
    )


def _period_dates(*, interval: str, billing_time: str, anchor_day: date, day: date) -> tuple[date, date]:
    """The local first day of the period containing `day`, and the first day of the next one."""
    if billing_time not in BILLING_TIMES:
        raise ValueError(f"unknown billing time {billing_time!r}")
    if interval == WEEKLY:
        week_starts_on = 0 if billing_time == CALENDAR else anchor_day.weekday()
        first_day = day - timedelta(days=(day.weekday() - week_starts_on) % 7)
        return first_day, first_day + timedelta(days=7)
    if interval not in MONTHS_PER_PERIOD:
        raise ValueError(f"unknown interval {interval!r}")
    months = MONTHS_PER_PERIOD[interval]
    if billing_time == CALENDAR:
        # Months counted from year 0, so that quarters and half-years align on January.
        index = (day.year * 12 + day.month - 1) // months * months
        return _first_of_month(index), _first_of_month(index + months)
    elapsed_months = (day.year - anchor_day.year) * 12 + day.month - anchor_day.month
    count = elapsed_months // months
    if _anniversary(anchor_day, count * months) > day:
        count -= 1
    return _anniversary(anchor_day, count * months), _anniversary(anchor_day, (count + 1) * months)


def _first_of_month(month_index: int) -> date:
    return date(month_index // 12, month_index % 12 + 1, 1)


def _anniversary(anchor_day: date, months_later: int) -> date:
    """The anchor's day `months_later` months on, or that month's last day when it is shorter (Jan 31 -> Feb 28).

    Always counted from the anchor, so that an anniversary on the 31st comes back to the 31st after a short month.
    """
    index = anchor_day.year * 12 + anchor_day.month - 1 + months_later
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(anchor_day.day, calendar.monthrange(year, month)[1]))


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    # Where a DST change skips midnight, fold=0 resolves to the first instant of the day that exists.
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)

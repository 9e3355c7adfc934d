"""The measures of proration: customer-local days, and the whole billing period a fee is prorated against."""

from datetime import UTC, datetime

import pytest

from plans.periods import Period, local_days, whole_billing_period_containing


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (tz, start, end, days): a start day counts whole; an end at local midnight excludes its day, any later hour includes it
LOCAL_DAYS = [
    ("UTC", "2022-03-15T10:00", "2022-04-01", 17),
    ("UTC", "2022-03-15", "2022-04-01", 17),
    ("UTC", "2022-03-15T23:59", "2022-03-16", 1),
    ("UTC", "2024-02-01", "2024-02-10T10:00", 10),
    ("UTC", "2024-02-01", "2024-02-10", 9),
    ("UTC", "2024-02-01", "2024-02-01T00:00:01", 1),
    ("UTC", "2024-01-01", "2025-01-01", 366),
    ("UTC", "2023-01-01", "2024-01-01", 365),
    # March in Paris has 743 hours but 31 days; October 745 hours, 31 days.
    ("Europe/Paris", "2024-02-29T23:00", "2024-03-31T22:00", 31),
    ("Europe/Paris", "2024-09-30T22:00", "2024-10-31T23:00", 31),
    # 22:30 UTC on March 31 is already April 1 in Paris: one day.
    ("Europe/Paris", "2024-03-31T22:00", "2024-03-31T22:30", 1),
    ("America/New_York", "2024-10-28T04:00", "2024-11-04T05:00", 7),
    ("America/New_York", "2024-11-04T05:00", "2024-11-06T17:00", 3),
    # UTC+13: 11:00 UTC is local midnight.
    ("Pacific/Tongatapu", "2024-01-30T12:00", "2024-02-28T11:00", 29),
    ("Pacific/Tongatapu", "2024-01-30T10:59", "2024-02-28T11:00", 30),
    # Santiago's clocks jump at midnight: Sunday 2022-09-11 starts at 01:00 (04:00 UTC).
    ("America/Santiago", "2022-09-11T04:00", "2022-09-18T03:00", 7),
]


@pytest.mark.parametrize(("tz", "start", "end", "days"), LOCAL_DAYS)
def test_local_days_worked_examples(tz, start, end, days):
    assert local_days(Period(start=utc(start), end=utc(end)), tz=tz) == days


# (interval, billing_time, tz, anchor, at, whole period start, end): not cut where the subscription starts
WHOLE_PERIODS = [
    ("monthly", "calendar", "UTC", "2022-03-15T10:00", "2022-03-15T10:00", "2022-03-01", "2022-04-01"),
    ("weekly", "calendar", "UTC", "2024-03-06T09:00", "2024-03-06T09:00", "2024-03-04", "2024-03-11"),
    ("quarterly", "calendar", "UTC", "2023-11-20", "2023-11-20", "2023-10-01", "2024-01-01"),
    ("semiannual", "calendar", "UTC", "2024-03-01", "2024-03-01", "2024-01-01", "2024-07-01"),
    ("yearly", "calendar", "Europe/Paris", "2024-05-01", "2024-05-01", "2023-12-31T23:00", "2024-12-31T23:00"),
    ("monthly", "anniversary", "UTC", "2024-01-31T08:00", "2024-01-31T08:00", "2024-01-31", "2024-02-29"),
    # A subscription started before its anchor (a plan change into the past) still has whole periods.
    ("monthly", "anniversary", "UTC", "2024-01-31T08:00", "2024-01-10", "2023-12-31", "2024-01-31"),
]


@pytest.mark.parametrize(("interval", "billing_time", "tz", "anchor", "at", "start", "end"), WHOLE_PERIODS)
def test_whole_billing_period_containing_worked_examples(interval, billing_time, tz, anchor, at, start, end):
    period = whole_billing_period_containing(
        interval=interval, billing_time=billing_time, anchor=utc(anchor), at=utc(at), tz=tz
    )
    assert period == Period(start=utc(start), end=utc(end))

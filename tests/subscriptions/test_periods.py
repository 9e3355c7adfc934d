import calendar
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plans.periods import BILLING_TIMES, INTERVALS, MONTHS_PER_PERIOD, Period, billing_period_containing, next_period


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (interval, billing_time, tz, anchor, at, expected start, expected end), times in UTC, midnight when only a date
WORKED_EXAMPLES = [
    # Calendar: aligned on the calendar, the first period starts when the subscription does.
    ("monthly", "calendar", "UTC", "2024-01-15T10:00", "2024-01-20", "2024-01-15T10:00", "2024-02-01"),
    ("monthly", "calendar", "UTC", "2024-01-15T10:00", "2024-02-10", "2024-02-01", "2024-03-01"),
    ("weekly", "calendar", "UTC", "2024-01-01", "2024-03-07T12:00", "2024-03-04", "2024-03-11"),
    ("weekly", "calendar", "UTC", "2024-03-06T09:00", "2024-03-08", "2024-03-06T09:00", "2024-03-11"),
    ("quarterly", "calendar", "UTC", "2024-01-01", "2024-05-20", "2024-04-01", "2024-07-01"),
    ("quarterly", "calendar", "UTC", "2023-11-20", "2023-12-31T23:59", "2023-11-20", "2024-01-01"),
    ("semiannual", "calendar", "UTC", "2024-01-01", "2024-09-01", "2024-07-01", "2025-01-01"),
    ("yearly", "calendar", "UTC", "2023-05-01", "2024-06-01", "2024-01-01", "2025-01-01"),
    # Europe/Paris: March 2024 loses an hour on the 31st; a week across the change lasts 167 hours.
    ("monthly", "calendar", "Europe/Paris", "2024-01-01", "2024-03-15", "2024-02-29T23:00", "2024-03-31T22:00"),
    ("weekly", "calendar", "Europe/Paris", "2024-01-01", "2024-03-28", "2024-03-24T23:00", "2024-03-31T22:00"),
    # 23:30 UTC on Jan 31 is already February 1 in Paris.
    ("monthly", "calendar", "Europe/Paris", "2024-01-01", "2024-01-31T23:30", "2024-01-31T23:00", "2024-02-29T23:00"),
    # America/New_York: November 2024 gains an hour on the 3rd.
    (
        "monthly",
        "calendar",
        "America/New_York",
        "2024-01-01T05:00",
        "2024-11-10",
        "2024-11-01T04:00",
        "2024-12-01T05:00",
    ),
    (
        "weekly",
        "calendar",
        "America/New_York",
        "2024-01-01T05:00",
        "2024-11-01",
        "2024-10-28T04:00",
        "2024-11-04T05:00",
    ),
    # Pacific/Auckland: summer time ends on 2024-04-07, UTC+13 to UTC+12.
    ("monthly", "calendar", "Pacific/Auckland", "2024-01-01", "2024-04-15", "2024-03-31T11:00", "2024-04-30T12:00"),
    ("yearly", "calendar", "Pacific/Auckland", "2023-06-01", "2024-06-01", "2023-12-31T11:00", "2024-12-31T11:00"),
    # America/Santiago moves its clocks at midnight: Sunday 2022-09-11 starts at 01:00 (-03).
    (
        "weekly",
        "anniversary",
        "America/Santiago",
        "2022-08-28T12:00",
        "2022-09-12",
        "2022-09-11T04:00",
        "2022-09-18T03:00",
    ),
    # Anniversary: a 31st comes back to the 31st after a short month, leap years included.
    ("monthly", "anniversary", "UTC", "2024-01-31T08:00", "2024-02-15", "2024-01-31T08:00", "2024-02-29"),
    ("monthly", "anniversary", "UTC", "2024-01-31T08:00", "2024-03-10", "2024-02-29", "2024-03-31"),
    ("monthly", "anniversary", "UTC", "2023-01-31T08:00", "2023-03-01", "2023-02-28", "2023-03-31"),
    ("monthly", "anniversary", "UTC", "2023-01-31T08:00", "2023-04-30", "2023-04-30", "2023-05-31"),
    ("monthly", "anniversary", "UTC", "2023-01-30T08:00", "2023-03-29T23:59", "2023-02-28", "2023-03-30"),
    ("monthly", "anniversary", "UTC", "2023-01-15T08:00", "2023-01-15T07:59", None, None),
    ("quarterly", "anniversary", "UTC", "2023-11-30", "2024-03-01", "2024-02-29", "2024-05-30"),
    ("semiannual", "anniversary", "UTC", "2024-08-31", "2025-03-01", "2025-02-28", "2025-08-31"),
    ("yearly", "anniversary", "UTC", "2024-02-29", "2025-03-01", "2025-02-28", "2026-02-28"),
    ("yearly", "anniversary", "UTC", "2024-02-29", "2028-02-29", "2028-02-29", "2029-02-28"),
    # Weekly anniversary periods start on the anchor's weekday (a Wednesday here).
    ("weekly", "anniversary", "UTC", "2024-03-06T14:30", "2024-03-12T23:00", "2024-03-06T14:30", "2024-03-13"),
    ("weekly", "anniversary", "UTC", "2024-03-06T14:30", "2024-03-14", "2024-03-13", "2024-03-20"),
    # The anchor's day is taken in the customer's timezone: 12:00 UTC on Jan 31 is Feb 1 in Auckland.
    (
        "monthly",
        "anniversary",
        "Pacific/Auckland",
        "2024-01-31T12:00",
        "2024-03-15",
        "2024-02-29T11:00",
        "2024-03-31T11:00",
    ),
    (
        "monthly",
        "anniversary",
        "Europe/Paris",
        "2024-02-29T10:00",
        "2024-03-30T12:00",
        "2024-03-28T23:00",
        "2024-04-28T22:00",
    ),
    (
        "monthly",
        "anniversary",
        "America/New_York",
        "2024-10-31T16:00",
        "2024-11-15",
        "2024-10-31T16:00",
        "2024-11-30T05:00",
    ),
]


@pytest.mark.parametrize(("interval", "billing_time", "tz", "anchor", "at", "start", "end"), WORKED_EXAMPLES)
def test_billing_period_containing_worked_examples(interval, billing_time, tz, anchor, at, start, end):
    arguments = {"interval": interval, "billing_time": billing_time, "anchor": utc(anchor), "at": utc(at), "tz": tz}
    if start is None:
        with pytest.raises(ValueError):
            billing_period_containing(**arguments)
        return
    assert billing_period_containing(**arguments) == Period(start=utc(start), end=utc(end))


def test_a_plan_change_keeps_the_anchor_and_starts_its_first_period_when_it_started():
    period = billing_period_containing(
        interval="monthly",
        billing_time="anniversary",
        anchor=utc("2024-01-10T09:00"),
        started_at=utc("2024-03-20T12:00"),
        at=utc("2024-03-25T00:00"),
        tz="UTC",
    )
    assert period == Period(start=utc("2024-03-20T12:00"), end=utc("2024-04-10T00:00"))


def test_next_period_of_a_31st_anniversary_does_not_drift():
    schedule = {"interval": "monthly", "billing_time": "anniversary", "anchor": utc("2024-01-31T08:00"), "tz": "UTC"}
    period = billing_period_containing(at=utc("2024-01-31T08:00"), **schedule)
    ends = []
    for _ in range(5):
        ends.append(period.end.date().isoformat())
        period = next_period(period, **schedule)
    assert ends == ["2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31", "2024-06-30"]


@pytest.mark.parametrize(
    ("interval", "billing_time"), [("daily", "calendar"), ("monthly", "weekly"), ("fortnightly", "anniversary")]
)
def test_unknown_interval_or_billing_time_is_refused(interval, billing_time):
    with pytest.raises(ValueError):
        billing_period_containing(
            interval=interval, billing_time=billing_time, anchor=utc("2024-01-01"), at=utc("2024-02-01"), tz="UTC"
        )


TIMEZONES = [
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "Pacific/Auckland",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Pacific/Chatham",
]
instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC))
schedules = st.fixed_dictionaries(
    {
        "interval": st.sampled_from(INTERVALS),
        "billing_time": st.sampled_from(BILLING_TIMES),
        "anchor": instants,
        "tz": st.sampled_from(TIMEZONES),
    }
)
offsets = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=6 * 366))


@settings(max_examples=300, deadline=None)
@given(schedule=schedules, offset=offsets)
def test_periods_contain_their_instant_and_tile_the_timeline(schedule, offset):
    at = schedule["anchor"] + offset
    period = billing_period_containing(at=at, **schedule)
    following = next_period(period, **schedule)

    assert period.start < period.end
    assert at in period
    assert following.start == period.end
    assert following.start < following.end
    assert billing_period_containing(at=period.end - timedelta(microseconds=1), **schedule) == period


@settings(max_examples=300, deadline=None)
@given(schedule=schedules, offset=offsets)
def test_periods_start_on_the_schedule_day(schedule, offset):
    zone = ZoneInfo(schedule["tz"])
    anchor_day = schedule["anchor"].astimezone(zone).date()
    period = billing_period_containing(at=schedule["anchor"] + offset, **schedule)
    start = next_period(period, **schedule).start.astimezone(zone)

    if schedule["interval"] == "weekly":
        expected_weekday = 0 if schedule["billing_time"] == "calendar" else anchor_day.weekday()
        assert start.weekday() == expected_weekday
    elif schedule["billing_time"] == "calendar":
        assert start.day == 1
        assert (start.month - 1) % MONTHS_PER_PERIOD[schedule["interval"]] == 0
    else:
        last_day = calendar.monthrange(start.year, start.month)[1]
        assert start.day == min(anchor_day.day, last_day)

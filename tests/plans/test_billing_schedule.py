"""The billing schedule: worked examples derived by hand, one subscription's moments per case.

Times are UTC, a bare date meaning midnight UTC. A moment reads
(at, reason, plan fee as "advance|arrears <billed window> <days billed>/<days in period>", usage window, commitment).
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from plans.billing_schedule import (
    BillingMoment,
    ProratedPeriod,
    SubscriptionTerms,
    billing_moments,
    charges_period_containing,
    next_billing_moment,
)
from plans.periods import Period


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def iso(at: datetime) -> str:
    at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%d") if at.time() == datetime.min.time() else at.strftime("%Y-%m-%dT%H:%M")


def window(period: Period) -> str:
    return f"{iso(period.start)}..{iso(period.end)}"


def prorated(part: ProratedPeriod | None) -> str | None:
    return None if part is None else f"{window(part.billed)} {part.days_billed}/{part.days_in_period}"


def describe(moment: BillingMoment) -> tuple:
    fee = prorated(moment.plan_fee)
    if fee is not None:
        fee = ("advance " if moment.plan_fee_in_advance else "arrears ") + fee
    charges = None if moment.charges is None else window(moment.charges)
    return (iso(moment.at), moment.reason.removeprefix("subscription_"), fee, charges, prorated(moment.commitment))


def terms(started_at: str, *, anchor: str | None = None, trial_ends_at=None, ends_at=None, **overrides):
    values = {
        "interval": "monthly",
        "billing_time": "calendar",
        "tz": "UTC",
        "pay_in_advance": False,
        "anchor": utc(anchor or started_at),
        "started_at": utc(started_at),
        "trial_ends_at": trial_ends_at and utc(trial_ends_at),
        "ends_at": ends_at and utc(ends_at),
    }
    return SubscriptionTerms(**(values | overrides))


ADVANCE = {"pay_in_advance": True}

# (case, terms, after, until, expected moments)
WORKED_EXAMPLES = [
    (
        "monthly calendar in advance from March 15: 17/31 at once, then each month ahead",
        terms("2022-03-15T10:00", **ADVANCE),
        None,
        utc("2022-05-01"),
        [
            ("2022-03-15T10:00", "starting", "advance 2022-03-15T10:00..2022-04-01 17/31", None, None),
            ("2022-04-01", "periodic", "advance 2022-04-01..2022-05-01 30/30", "2022-03-15T10:00..2022-04-01", "2022-03-15T10:00..2022-04-01 17/31"),
            ("2022-05-01", "periodic", "advance 2022-05-01..2022-06-01 31/31", "2022-04-01..2022-05-01", "2022-04-01..2022-05-01 30/30"),
        ],
    ),
    (
        "monthly calendar in arrears from March 15: 17/31 at the end of March",
        terms("2022-03-15T10:00"),
        None,
        utc("2022-05-01"),
        [
            ("2022-04-01", "periodic", "arrears 2022-03-15T10:00..2022-04-01 17/31", "2022-03-15T10:00..2022-04-01", "2022-03-15T10:00..2022-04-01 17/31"),
            ("2022-05-01", "periodic", "arrears 2022-04-01..2022-05-01 30/30", "2022-04-01..2022-05-01", "2022-04-01..2022-05-01 30/30"),
        ],
    ),
    (
        "monthly anniversary on the 31st over a leap February: Feb 29, then back to the 31st",
        terms("2024-01-31T08:00", billing_time="anniversary"),
        None,
        utc("2024-05-01"),
        [
            ("2024-02-29", "periodic", "arrears 2024-01-31T08:00..2024-02-29 29/29", "2024-01-31T08:00..2024-02-29", "2024-01-31T08:00..2024-02-29 29/29"),
            ("2024-03-31", "periodic", "arrears 2024-02-29..2024-03-31 31/31", "2024-02-29..2024-03-31", "2024-02-29..2024-03-31 31/31"),
            ("2024-04-30", "periodic", "arrears 2024-03-31..2024-04-30 30/30", "2024-03-31..2024-04-30", "2024-03-31..2024-04-30 30/30"),
        ],
    ),
    (
        "monthly anniversary on the 31st over a common February: a 28-day period",
        terms("2023-01-31T08:00", billing_time="anniversary", **ADVANCE),
        None,
        utc("2023-03-31"),
        [
            ("2023-01-31T08:00", "starting", "advance 2023-01-31T08:00..2023-02-28 28/28", None, None),
            ("2023-02-28", "periodic", "advance 2023-02-28..2023-03-31 31/31", "2023-01-31T08:00..2023-02-28", "2023-01-31T08:00..2023-02-28 28/28"),
            ("2023-03-31", "periodic", "advance 2023-03-31..2023-04-30 30/30", "2023-02-28..2023-03-31", "2023-02-28..2023-03-31 31/31"),
        ],
    ),
    (
        "weekly calendar in advance from a Wednesday: Wednesday to Sunday is 5/7",
        terms("2024-03-06T09:00", interval="weekly", **ADVANCE),
        None,
        utc("2024-03-18"),
        [
            ("2024-03-06T09:00", "starting", "advance 2024-03-06T09:00..2024-03-11 5/7", None, None),
            ("2024-03-11", "periodic", "advance 2024-03-11..2024-03-18 7/7", "2024-03-06T09:00..2024-03-11", "2024-03-06T09:00..2024-03-11 5/7"),
            ("2024-03-18", "periodic", "advance 2024-03-18..2024-03-25 7/7", "2024-03-11..2024-03-18", "2024-03-11..2024-03-18 7/7"),
        ],
    ),
    (
        "weekly anniversary in arrears: weeks from Wednesday to Wednesday",
        terms("2024-03-06T14:30", interval="weekly", billing_time="anniversary"),
        None,
        utc("2024-03-20"),
        [
            ("2024-03-13", "periodic", "arrears 2024-03-06T14:30..2024-03-13 7/7", "2024-03-06T14:30..2024-03-13", "2024-03-06T14:30..2024-03-13 7/7"),
            ("2024-03-20", "periodic", "arrears 2024-03-13..2024-03-20 7/7", "2024-03-13..2024-03-20", "2024-03-13..2024-03-20 7/7"),
        ],
    ),
    (
        "quarterly calendar in arrears from November 20: 42 of the 92 days of Q4, then a leap Q1 of 91",
        terms("2023-11-20", interval="quarterly"),
        None,
        utc("2024-04-01"),
        [
            ("2024-01-01", "periodic", "arrears 2023-11-20..2024-01-01 42/92", "2023-11-20..2024-01-01", "2023-11-20..2024-01-01 42/92"),
            ("2024-04-01", "periodic", "arrears 2024-01-01..2024-04-01 91/91", "2024-01-01..2024-04-01", "2024-01-01..2024-04-01 91/91"),
        ],
    ),
    (
        "quarterly anniversary on the 30th in advance: November 30 -> February 29 -> May 30",
        terms("2023-11-30", interval="quarterly", billing_time="anniversary", **ADVANCE),
        None,
        utc("2024-05-30"),
        [
            ("2023-11-30", "starting", "advance 2023-11-30..2024-02-29 91/91", None, None),
            ("2024-02-29", "periodic", "advance 2024-02-29..2024-05-30 91/91", "2023-11-30..2024-02-29", "2023-11-30..2024-02-29 91/91"),
            ("2024-05-30", "periodic", "advance 2024-05-30..2024-08-30 92/92", "2024-02-29..2024-05-30", "2024-02-29..2024-05-30 91/91"),
        ],
    ),
    (
        "semiannual calendar in arrears from March: 122 of the 182 days of a leap first half",
        terms("2024-03-01", interval="semiannual"),
        None,
        utc("2025-01-01"),
        [
            ("2024-07-01", "periodic", "arrears 2024-03-01..2024-07-01 122/182", "2024-03-01..2024-07-01", "2024-03-01..2024-07-01 122/182"),
            ("2025-01-01", "periodic", "arrears 2024-07-01..2025-01-01 184/184", "2024-07-01..2025-01-01", "2024-07-01..2025-01-01 184/184"),
        ],
    ),
    (
        "yearly anniversary on February 29 in advance: renewed on February 28",
        terms("2024-02-29", interval="yearly", billing_time="anniversary", **ADVANCE),
        None,
        utc("2026-02-28"),
        [
            ("2024-02-29", "starting", "advance 2024-02-29..2025-02-28 365/365", None, None),
            ("2025-02-28", "periodic", "advance 2025-02-28..2026-02-28 365/365", "2024-02-29..2025-02-28", "2024-02-29..2025-02-28 365/365"),
            ("2026-02-28", "periodic", "advance 2026-02-28..2027-02-28 365/365", "2025-02-28..2026-02-28", "2025-02-28..2026-02-28 365/365"),
        ],
    ),
    (
        "yearly calendar in arrears from May: 245/365, then a leap year of 366",
        terms("2023-05-01", interval="yearly"),
        None,
        utc("2025-01-01"),
        [
            ("2024-01-01", "periodic", "arrears 2023-05-01..2024-01-01 245/365", "2023-05-01..2024-01-01", "2023-05-01..2024-01-01 245/365"),
            ("2025-01-01", "periodic", "arrears 2024-01-01..2025-01-01 366/366", "2024-01-01..2025-01-01", "2024-01-01..2025-01-01 366/366"),
        ],
    ),
    (
        "Europe/Paris across the spring change: months of local days, boundaries at local midnight",
        terms("2024-03-10T09:00", tz="Europe/Paris", **ADVANCE),
        None,
        utc("2024-04-30T22:00"),
        [
            ("2024-03-10T09:00", "starting", "advance 2024-03-10T09:00..2024-03-31T22:00 22/31", None, None),
            ("2024-03-31T22:00", "periodic", "advance 2024-03-31T22:00..2024-04-30T22:00 30/30", "2024-03-10T09:00..2024-03-31T22:00", "2024-03-10T09:00..2024-03-31T22:00 22/31"),
            ("2024-04-30T22:00", "periodic", "advance 2024-04-30T22:00..2024-05-31T22:00 31/31", "2024-03-31T22:00..2024-04-30T22:00", "2024-03-31T22:00..2024-04-30T22:00 30/30"),
        ],
    ),
    (
        "America/New_York weekly across the autumn change, terminated on a Wednesday at noon",
        terms("2024-10-30T16:00", interval="weekly", tz="America/New_York", ends_at="2024-11-06T17:00"),
        None,
        utc("2024-12-31"),
        [
            ("2024-11-04T05:00", "periodic", "arrears 2024-10-30T16:00..2024-11-04T05:00 5/7", "2024-10-30T16:00..2024-11-04T05:00", "2024-10-30T16:00..2024-11-04T05:00 5/7"),
            ("2024-11-06T17:00", "terminating", "arrears 2024-11-04T05:00..2024-11-06T17:00 3/7", "2024-11-04T05:00..2024-11-06T17:00", "2024-11-04T05:00..2024-11-06T17:00 3/7"),
        ],
    ),
    (
        "UTC+13 (Pacific/Tongatapu): 12:00 UTC on January 30 is the 31st locally, the anniversary day",
        terms("2024-01-30T12:00", billing_time="anniversary", tz="Pacific/Tongatapu", **ADVANCE),
        None,
        utc("2024-03-30T11:00"),
        [
            ("2024-01-30T12:00", "starting", "advance 2024-01-30T12:00..2024-02-28T11:00 29/29", None, None),
            ("2024-02-28T11:00", "periodic", "advance 2024-02-28T11:00..2024-03-30T11:00 31/31", "2024-01-30T12:00..2024-02-28T11:00", "2024-01-30T12:00..2024-02-28T11:00 29/29"),
            ("2024-03-30T11:00", "periodic", "advance 2024-03-30T11:00..2024-04-29T11:00 30/30", "2024-02-28T11:00..2024-03-30T11:00", "2024-02-28T11:00..2024-03-30T11:00 31/31"),
        ],
    ),
    (
        "10-day trial in advance (lago-api's free trial scenario): the fee at the trial's end, (31 - 4 - 10)/31",
        terms("2024-03-05T12:12", trial_ends_at="2024-03-15T12:12", **ADVANCE),
        None,
        utc("2024-04-01"),
        [
            ("2024-03-15T12:12", "starting", "advance 2024-03-15T12:12..2024-04-01 17/31", None, None),
            ("2024-04-01", "periodic", "advance 2024-04-01..2024-05-01 30/30", "2024-03-05T12:12..2024-04-01", "2024-03-05T12:12..2024-04-01 27/31"),
        ],
    ),
    (
        "45-day trial in advance spanning a period: usage billed on April 1, the fee (12/30) when the trial ends",
        terms("2024-03-05T12:12", trial_ends_at="2024-04-19T12:12", **ADVANCE),
        None,
        utc("2024-05-01"),
        [
            ("2024-04-01", "periodic", None, "2024-03-05T12:12..2024-04-01", "2024-03-05T12:12..2024-04-01 27/31"),
            ("2024-04-19T12:12", "starting", "advance 2024-04-19T12:12..2024-05-01 12/30", None, None),
            ("2024-05-01", "periodic", "advance 2024-05-01..2024-06-01 31/31", "2024-04-01..2024-05-01", "2024-04-01..2024-05-01 30/30"),
        ],
    ),
    (
        "10-day trial in arrears: March's fee prorated from the trial's end",
        terms("2024-03-05T12:12", trial_ends_at="2024-03-15T12:12"),
        None,
        utc("2024-05-01"),
        [
            ("2024-04-01", "periodic", "arrears 2024-03-15T12:12..2024-04-01 17/31", "2024-03-05T12:12..2024-04-01", "2024-03-05T12:12..2024-04-01 27/31"),
            ("2024-05-01", "periodic", "arrears 2024-04-01..2024-05-01 30/30", "2024-04-01..2024-05-01", "2024-04-01..2024-05-01 30/30"),
        ],
    ),
    (
        "45-day trial in arrears: no fee for March, April's from the trial's end",
        terms("2024-03-05T12:12", trial_ends_at="2024-04-19T12:12"),
        None,
        utc("2024-05-01"),
        [
            ("2024-04-01", "periodic", None, "2024-03-05T12:12..2024-04-01", "2024-03-05T12:12..2024-04-01 27/31"),
            ("2024-05-01", "periodic", "arrears 2024-04-19T12:12..2024-05-01 12/30", "2024-04-01..2024-05-01", "2024-04-01..2024-05-01 30/30"),
        ],
    ),
    (
        "a trial that outlasts the subscription: no plan fee at all",
        terms("2024-01-01", trial_ends_at="2024-02-15", ends_at="2024-02-10T10:00", **ADVANCE),
        None,
        utc("2024-12-31"),
        [
            ("2024-02-01", "periodic", None, "2024-01-01..2024-02-01", "2024-01-01..2024-02-01 31/31"),
            ("2024-02-10T10:00", "terminating", None, "2024-02-01..2024-02-10T10:00", "2024-02-01..2024-02-10T10:00 10/29"),
        ],
    ),
    (
        "terminated mid-period in arrears: the fee up to the termination, a day at 10:00 counting whole",
        terms("2024-01-01", ends_at="2024-02-10T10:00"),
        None,
        utc("2024-12-31"),
        [
            ("2024-02-01", "periodic", "arrears 2024-01-01..2024-02-01 31/31", "2024-01-01..2024-02-01", "2024-01-01..2024-02-01 31/31"),
            ("2024-02-10T10:00", "terminating", "arrears 2024-02-01..2024-02-10T10:00 10/29", "2024-02-01..2024-02-10T10:00", "2024-02-01..2024-02-10T10:00 10/29"),
        ],
    ),
    (
        "terminated mid-period in advance, the end known ahead: February's fee prorated to it, nothing at the end",
        terms("2024-01-01", ends_at="2024-02-10T10:00", **ADVANCE),
        None,
        utc("2024-12-31"),
        [
            ("2024-01-01", "starting", "advance 2024-01-01..2024-02-01 31/31", None, None),
            ("2024-02-01", "periodic", "advance 2024-02-01..2024-02-10T10:00 10/29", "2024-01-01..2024-02-01", "2024-01-01..2024-02-01 31/31"),
            ("2024-02-10T10:00", "terminating", None, "2024-02-01..2024-02-10T10:00", "2024-02-01..2024-02-10T10:00 10/29"),
        ],
    ),
    (
        "terminated on a period boundary in advance: one terminating moment, no fee for the next period",
        terms("2024-01-01", ends_at="2024-03-01", **ADVANCE),
        None,
        utc("2024-12-31"),
        [
            ("2024-01-01", "starting", "advance 2024-01-01..2024-02-01 31/31", None, None),
            ("2024-02-01", "periodic", "advance 2024-02-01..2024-03-01 29/29", "2024-01-01..2024-02-01", "2024-01-01..2024-02-01 31/31"),
            ("2024-03-01", "terminating", None, "2024-02-01..2024-03-01", "2024-02-01..2024-03-01 29/29"),
        ],
    ),
    (
        "terminated on a period boundary in arrears: the last whole period's fee at the termination",
        terms("2024-01-01", ends_at="2024-03-01"),
        None,
        utc("2024-12-31"),
        [
            ("2024-02-01", "periodic", "arrears 2024-01-01..2024-02-01 31/31", "2024-01-01..2024-02-01", "2024-01-01..2024-02-01 31/31"),
            ("2024-03-01", "terminating", "arrears 2024-02-01..2024-03-01 29/29", "2024-02-01..2024-03-01", "2024-02-01..2024-03-01 29/29"),
        ],
    ),
    (
        "upgrade on January 15 at midnight (Lago's upgrade example), the old subscription: 14/31 at once",
        terms("2024-01-01", ends_at="2024-01-15"),
        None,
        utc("2024-12-31"),
        [
            ("2024-01-15", "terminating", "arrears 2024-01-01..2024-01-15 14/31", "2024-01-01..2024-01-15", "2024-01-01..2024-01-15 14/31"),
        ],
    ),
    (
        "upgrade on January 15 at midnight, the new subscription: 17/31 at the end of January",
        terms("2024-01-15", anchor="2024-01-01"),
        None,
        utc("2024-02-01"),
        [
            ("2024-02-01", "periodic", "arrears 2024-01-15..2024-02-01 17/31", "2024-01-15..2024-02-01", "2024-01-15..2024-02-01 17/31"),
        ],
    ),
    (
        "anniversary upgrade at noon, the old subscription in advance: March's fee cut at the upgrade (11/31)",
        terms("2024-01-10T09:00", billing_time="anniversary", ends_at="2024-03-20T12:00", **ADVANCE),
        None,
        utc("2024-12-31"),
        [
            ("2024-01-10T09:00", "starting", "advance 2024-01-10T09:00..2024-02-10 31/31", None, None),
            ("2024-02-10", "periodic", "advance 2024-02-10..2024-03-10 29/29", "2024-01-10T09:00..2024-02-10", "2024-01-10T09:00..2024-02-10 31/31"),
            ("2024-03-10", "periodic", "advance 2024-03-10..2024-03-20T12:00 11/31", "2024-02-10..2024-03-10", "2024-02-10..2024-03-10 29/29"),
            ("2024-03-20T12:00", "terminating", None, "2024-03-10..2024-03-20T12:00", "2024-03-10..2024-03-20T12:00 11/31"),
        ],
    ),
    (
        "anniversary upgrade at noon, the new subscription keeps the anchor: a partial first period of 21/31",
        terms("2024-03-20T12:00", anchor="2024-01-10T09:00", billing_time="anniversary", **ADVANCE),
        None,
        utc("2024-04-10"),
        [
            ("2024-03-20T12:00", "starting", "advance 2024-03-20T12:00..2024-04-10 21/31", None, None),
            ("2024-04-10", "periodic", "advance 2024-04-10..2024-05-10 30/30", "2024-03-20T12:00..2024-04-10", "2024-03-20T12:00..2024-04-10 21/31"),
        ],
    ),
    (
        "yearly calendar with charges billed monthly: the fee for the year at once, usage every month",
        terms("2024-01-15T10:00", interval="yearly", bill_charges_monthly=True, **ADVANCE),
        None,
        utc("2024-03-01"),
        [
            ("2024-01-15T10:00", "starting", "advance 2024-01-15T10:00..2025-01-01 352/366", None, None),
            ("2024-02-01", "periodic", None, "2024-01-15T10:00..2024-02-01", None),
            ("2024-03-01", "periodic", None, "2024-02-01..2024-03-01", None),
        ],
    ),
    (
        "yearly calendar with charges billed monthly, at the year's end: December's usage, the commitment, next year's fee",
        terms("2024-01-15T10:00", interval="yearly", bill_charges_monthly=True, **ADVANCE),
        utc("2024-12-15"),
        utc("2025-01-01"),
        [
            ("2025-01-01", "periodic", "advance 2025-01-01..2026-01-01 365/365", "2024-12-01..2025-01-01", "2024-01-15T10:00..2025-01-01 352/366"),
        ],
    ),
    (
        "semiannual anniversary on the 31st with charges billed monthly: anniversary months from the anchor",
        terms("2024-08-31", interval="semiannual", billing_time="anniversary", bill_charges_monthly=True),
        None,
        utc("2025-03-01"),
        [
            ("2024-09-30", "periodic", None, "2024-08-31..2024-09-30", None),
            ("2024-10-31", "periodic", None, "2024-09-30..2024-10-31", None),
            ("2024-11-30", "periodic", None, "2024-10-31..2024-11-30", None),
            ("2024-12-31", "periodic", None, "2024-11-30..2024-12-31", None),
            ("2025-01-31", "periodic", None, "2024-12-31..2025-01-31", None),
            ("2025-02-28", "periodic", "arrears 2024-08-31..2025-02-28 181/181", "2025-01-31..2025-02-28", "2024-08-31..2025-02-28 181/181"),
        ],
    ),
    (
        "yearly with charges billed monthly and a trial ending on a month's boundary: fee and usage together",
        terms("2024-01-01", interval="yearly", bill_charges_monthly=True, trial_ends_at="2024-02-01", **ADVANCE),
        None,
        utc("2024-02-01"),
        [
            ("2024-02-01", "periodic", "advance 2024-02-01..2025-01-01 335/366", "2024-01-01..2024-02-01", None),
        ],
    ),
    (
        "yearly with charges billed monthly, terminated mid-month: the year's commitment prorated",
        terms("2024-01-01", interval="yearly", bill_charges_monthly=True, ends_at="2024-02-15T10:00"),
        None,
        utc("2024-12-31"),
        [
            ("2024-02-01", "periodic", None, "2024-01-01..2024-02-01", None),
            ("2024-02-15T10:00", "terminating", "arrears 2024-01-01..2024-02-15T10:00 46/366", "2024-02-01..2024-02-15T10:00", "2024-01-01..2024-02-15T10:00 46/366"),
        ],
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("terms", "after", "until", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in WORKED_EXAMPLES],
)
def test_billing_moments_worked_examples(terms, after, until, expected):
    assert [describe(moment) for moment in billing_moments(terms, after=after, until=until)] == expected


def test_bill_charges_monthly_only_changes_yearly_and_semiannual_plans():
    quarterly = terms("2024-01-01", interval="quarterly", **ADVANCE)
    flagged = terms("2024-01-01", interval="quarterly", bill_charges_monthly=True, **ADVANCE)
    until = utc("2025-01-01")
    assert billing_moments(flagged, after=None, until=until) == billing_moments(quarterly, after=None, until=until)
    assert len(billing_moments(flagged, after=None, until=until)) == 5


def test_a_fee_is_prorated_against_the_whole_period_not_the_part_billed():
    moment = next_billing_moment(terms("2022-03-15T10:00", **ADVANCE), after=None)
    assert moment.plan_fee.period == Period(start=utc("2022-03-01"), end=utc("2022-04-01"))
    assert moment.plan_fee.prorate(Decimal("31.00")) == Decimal("17.00")
    assert moment.plan_fee.prorate(Decimal("100")).quantize(Decimal("0.01")) == Decimal("54.84")


def test_a_whole_period_is_billed_exactly_its_amount():
    moment = billing_moments(terms("2022-03-15T10:00", **ADVANCE), after=None, until=utc("2022-04-01"))[-1]
    assert moment.plan_fee.prorate(Decimal("33.333")) == Decimal("33.333")


def test_next_billing_moment_walks_the_schedule_and_stops_after_the_termination():
    schedule = terms("2024-01-01", ends_at="2024-02-10T10:00", **ADVANCE)
    first = next_billing_moment(schedule, after=None)
    second = next_billing_moment(schedule, after=first.at)
    third = next_billing_moment(schedule, after=second.at)
    assert [first.at, second.at, third.at] == [utc("2024-01-01"), utc("2024-02-01"), utc("2024-02-10T10:00")]
    assert next_billing_moment(schedule, after=third.at) is None
    assert next_billing_moment(schedule, after=utc("2030-01-01")) is None


def test_next_billing_moment_from_the_middle_of_a_period():
    moment = next_billing_moment(terms("2024-01-31T08:00", billing_time="anniversary"), after=utc("2024-06-10"))
    assert (moment.at, moment.charges) == (utc("2024-06-30"), Period(start=utc("2024-05-31"), end=utc("2024-06-30")))


def test_an_after_before_the_start_includes_the_starting_moment():
    moments = billing_moments(terms("2024-01-01", **ADVANCE), after=utc("2023-12-01"), until=utc("2024-01-01"))
    assert [describe(moment) for moment in moments] == [
        ("2024-01-01", "starting", "advance 2024-01-01..2024-02-01 31/31", None, None)
    ]


# (terms, at, expected usage window)
CHARGES_PERIODS = [
    (terms("2022-03-15T10:00"), "2022-03-20", "2022-03-15T10:00..2022-04-01"),
    (terms("2022-03-15T10:00"), "2022-04-01", "2022-04-01..2022-05-01"),
    (terms("2024-01-01", ends_at="2024-02-10T10:00"), "2024-02-05", "2024-02-01..2024-02-10T10:00"),
    (terms("2024-01-15", interval="yearly", bill_charges_monthly=True), "2024-06-15", "2024-06-01..2024-07-01"),
    (terms("2024-01-15", interval="yearly"), "2024-06-15", "2024-01-15..2025-01-01"),
    (terms("2024-03-10T09:00", tz="Europe/Paris"), "2024-03-31T22:30", "2024-03-31T22:00..2024-04-30T22:00"),
]


@pytest.mark.parametrize(("terms", "at", "expected"), CHARGES_PERIODS)
def test_charges_period_containing_worked_examples(terms, at, expected):
    assert window(charges_period_containing(terms, at=utc(at))) == expected


@pytest.mark.parametrize("at", ["2024-01-01T09:59", "2024-03-01", "2024-04-01"])
def test_charges_period_containing_refuses_an_instant_outside_the_subscription(at):
    with pytest.raises(ValueError):
        charges_period_containing(terms("2024-01-01T10:00", ends_at="2024-03-01"), at=utc(at))


@pytest.mark.parametrize("overrides", [{"interval": "daily"}, {"billing_time": "weekly"}])
def test_an_unknown_interval_or_billing_time_is_refused(overrides):
    with pytest.raises(ValueError):
        terms("2024-01-01", **overrides)


@pytest.mark.parametrize("ends_at", ["2024-01-01T10:00", "2023-12-31"])
def test_a_subscription_ended_when_it_started_is_never_billed(ends_at):
    schedule = terms("2024-01-01T10:00", ends_at=ends_at, **ADVANCE)
    assert billing_moments(schedule, after=None, until=utc("2025-01-01")) == []
    assert next_billing_moment(schedule, after=None) is None
    with pytest.raises(ValueError):
        charges_period_containing(schedule, at=utc("2024-01-01T10:00"))

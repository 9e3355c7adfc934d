"""When a subscription is billed and what each billing owes: pure functions over its terms, without the database.

A subscription is billed at "moments": its start (a plan fee paid in advance), the end of each billing period (usage,
the plan fee and the minimum commitment), the end of a trial (the first plan fee paid in advance) and its termination.
Each moment says which plan period's fee is owed and how much of it (prorated by customer-local days), which usage
window is billed, and which period's minimum commitment is trued up. It follows Lago's behaviour:
- getlago.com/docs/guide/plans/plan-model: the plan fee is paid in advance or in arrears, usage always in arrears;
  the trial only waives the plan fee, usage during a trial is billed at the end of the billing period as usual.
- lago-api's FreeTrialBillingService and free_trial_billing_spec: a plan paid in advance is billed when the trial
  ends ("subscription_starting", without charges), prorated from the trial end's day to the period end (17/31).
- getlago.com/docs/guide/subscriptions/terminate-subscription: a termination bills at once the usage and a fee in
  arrears not yet invoiced (a fee paid in advance would be credited, and there are no credit notes yet).
- getlago.com/docs/guide/plans/commitment: the minimum commitment follows the plan's billing interval and is trued
  up at the end of the period (lago-api bills it at the period end even during a trial).
"""

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from plans.periods import BILLING_TIMES, INTERVALS, Period, local_days, whole_billing_period_containing

SUBSCRIPTION_STARTING = "subscription_starting"
SUBSCRIPTION_PERIODIC = "subscription_periodic"
SUBSCRIPTION_TERMINATING = "subscription_terminating"

# Plans whose charges may be billed every month while their fee follows the plan's own, longer, periods.
CHARGES_MONTHLY_INTERVALS = ("semiannual", "yearly")

# Periods are half-open: the period that ends at an instant is the one containing the instant just before.
_JUST_BEFORE = timedelta(microseconds=1)


@dataclass(frozen=True)
class SubscriptionTerms:
    """What decides a subscription's billing schedule, read from its plan, customer and lifecycle dates."""

    interval: str
    billing_time: str
    anchor: datetime
    started_at: datetime
    tz: str
    pay_in_advance: bool
    trial_ends_at: datetime | None = None
    ends_at: datetime | None = None
    bill_charges_monthly: bool = False

    def __post_init__(self) -> None:
        if self.interval not in INTERVALS:
            raise ValueError(f"unknown interval {self.interval!r}")
        if self.billing_time not in BILLING_TIMES:
            raise ValueError(f"unknown billing time {self.billing_time!r}")

    @property
    def charges_interval(self) -> str:
        if self.bill_charges_monthly and self.interval in CHARGES_MONTHLY_INTERVALS:
            return "monthly"
        return self.interval

    @property
    def never_ran(self) -> bool:
        """Ended when it started (terminated at once): nothing is ever billed."""
        return self.ends_at is not None and self.ends_at <= self.started_at

    @property
    def plan_fee_starts_at(self) -> datetime | None:
        """When the plan fee starts to run (the trial's end, or the start), None when the trial outlasts the end."""
        starts_at = self.started_at if self.trial_ends_at is None else max(self.started_at, self.trial_ends_at)
        if self.ends_at is not None and starts_at >= self.ends_at:
            return None
        return starts_at


@dataclass(frozen=True)
class ProratedPeriod:
    """The part `billed` of a whole billing `period`, measured in the customer's days."""

    period: Period
    billed: Period
    days_billed: int
    days_in_period: int

    def prorate(self, amount: Decimal) -> Decimal:
        """`amount` for the days billed out of the days of the period; exactly `amount` for a whole period."""
        if self.days_billed == self.days_in_period:
            return amount
        return amount * self.days_billed / self.days_in_period


@dataclass(frozen=True)
class BillingMoment:
    """An instant at which a subscription is billed, and what is owed then."""

    at: datetime
    reason: str
    plan_fee: ProratedPeriod | None
    plan_fee_in_advance: bool
    charges: Period | None
    commitment: ProratedPeriod | None


def billing_moments(terms: SubscriptionTerms, *, after: datetime | None, until: datetime) -> list[BillingMoment]:
    """Every billing moment with `after` < at <= `until`, in order (from the very first when `after` is None)."""
    moments = []
    for at in _billing_instants(terms, after=after):
        if at > until:
            break
        moments.append(_moment_at(terms, at=at))
    return moments


def next_billing_moment(terms: SubscriptionTerms, *, after: datetime | None) -> BillingMoment | None:
    """The first billing moment after `after`, or None when the subscription will never be billed again."""
    at = next(_billing_instants(terms, after=after), None)
    return None if at is None else _moment_at(terms, at=at)


def charges_period_containing(terms: SubscriptionTerms, *, at: datetime) -> Period:
    """The usage window that contains `at`: the one the moment at its end will bill (the current usage's window)."""
    if at < terms.started_at or (terms.ends_at is not None and at >= terms.ends_at):
        raise ValueError("at is outside the subscription")
    whole = _charges_period(terms, at=at)
    end = whole.end if terms.ends_at is None else min(whole.end, terms.ends_at)
    return Period(start=max(whole.start, terms.started_at), end=end)


def _billing_instants(terms: SubscriptionTerms, *, after: datetime | None) -> Iterator[datetime]:
    """The instants at which the subscription is billed, after `after`, in order; endless unless it ends.

    They are the ends of the usage windows (which include the plan periods' ends: months nest in quarters, halves and
    years, calendar or anniversary alike), the termination, and where a fee paid in advance starts.
    """
    if terms.never_ran:
        return
    singular = {terms.ends_at}
    if terms.pay_in_advance:
        singular.add(terms.plan_fee_starts_at)
    singular_instants = sorted(at for at in singular if at is not None)
    boundaries = _charges_boundaries(terms, after=terms.started_at if after is None else max(after, terms.started_at))
    previous = None
    for at in heapq.merge(singular_instants, boundaries):
        if at == previous or (after is not None and at <= after):
            continue
        yield at
        previous = at
        if at == terms.ends_at:
            return


def _charges_boundaries(terms: SubscriptionTerms, *, after: datetime) -> Iterator[datetime]:
    """The ends of the usage windows after `after`, up to (excluding) the subscription's end."""
    period = _charges_period(terms, at=after)
    while terms.ends_at is None or period.end < terms.ends_at:
        yield period.end
        period = _charges_period(terms, at=period.end)


def _moment_at(terms: SubscriptionTerms, *, at: datetime) -> BillingMoment:
    """What is owed at `at`, one of the subscription's billing instants."""
    terminating = at == terms.ends_at
    closes_charges = terminating or (at > terms.started_at and _charges_period(terms, at=at).start == at)
    closes_plan_period = terminating or (at > terms.started_at and _plan_period(terms, at=at).start == at)
    charges = commitment = closed = None
    if closes_charges:
        charges = Period(start=max(_charges_period(terms, at=at - _JUST_BEFORE).start, terms.started_at), end=at)
    if closes_plan_period:
        closed = _plan_period(terms, at=at - _JUST_BEFORE)
        commitment = _prorated(terms, period=closed, start=max(closed.start, terms.started_at), end=at)
    if terms.pay_in_advance:
        plan_fee = _plan_fee_in_advance(terms, at=at, opens_plan_period=closes_plan_period)
    else:
        plan_fee = None if closed is None else _plan_fee_in_arrears(terms, closed=closed, at=at)
    if terminating:
        reason = SUBSCRIPTION_TERMINATING
    elif charges is None:
        reason = SUBSCRIPTION_STARTING
    else:
        reason = SUBSCRIPTION_PERIODIC
    return BillingMoment(
        at=at,
        reason=reason,
        plan_fee=plan_fee,
        plan_fee_in_advance=terms.pay_in_advance and plan_fee is not None,
        charges=charges,
        commitment=commitment,
    )


def _plan_fee_in_advance(terms: SubscriptionTerms, *, at: datetime, opens_plan_period: bool) -> ProratedPeriod | None:
    """The fee of the plan period starting at `at`: where the fee starts (start or trial end), then at each period."""
    fee_starts_at = terms.plan_fee_starts_at
    if fee_starts_at is None or at < fee_starts_at or at == terms.ends_at:
        return None
    if at != fee_starts_at and not opens_plan_period:
        return None
    period = _plan_period(terms, at=at)
    end = period.end if terms.ends_at is None else min(period.end, terms.ends_at)
    return _prorated(terms, period=period, start=at, end=end)


def _plan_fee_in_arrears(terms: SubscriptionTerms, *, closed: Period, at: datetime) -> ProratedPeriod | None:
    """The fee of the plan period that ends (or is cut) at `at`, for the part after the start and the trial."""
    fee_starts_at = terms.plan_fee_starts_at
    if fee_starts_at is None or fee_starts_at >= at:
        return None
    return _prorated(terms, period=closed, start=max(closed.start, fee_starts_at), end=at)


def _prorated(terms: SubscriptionTerms, *, period: Period, start: datetime, end: datetime) -> ProratedPeriod:
    billed = Period(start=start, end=end)
    return ProratedPeriod(
        period=period,
        billed=billed,
        days_billed=local_days(billed, tz=terms.tz),
        days_in_period=local_days(period, tz=terms.tz),
    )


def _plan_period(terms: SubscriptionTerms, *, at: datetime) -> Period:
    return whole_billing_period_containing(
        interval=terms.interval, billing_time=terms.billing_time, anchor=terms.anchor, at=at, tz=terms.tz
    )


def _charges_period(terms: SubscriptionTerms, *, at: datetime) -> Period:
    return whole_billing_period_containing(
        interval=terms.charges_interval, billing_time=terms.billing_time, anchor=terms.anchor, at=at, tz=terms.tz
    )

"""Properties of the billing schedule over generated subscriptions: moments tile time, never repeat, and prorate fairly."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from plans.billing_schedule import (
    SUBSCRIPTION_TERMINATING,
    SubscriptionTerms,
    billing_moments,
    charges_period_containing,
    next_billing_moment,
)
from plans.periods import BILLING_TIMES, INTERVALS, Period

TIMEZONES = ["UTC", "Europe/Paris", "America/New_York", "Pacific/Tongatapu", "Pacific/Auckland", "America/Santiago"]

instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC))


@st.composite
def subscriptions(draw) -> tuple[SubscriptionTerms, datetime]:
    """Terms of a subscription, and an `until` up to three years after its start."""
    anchor = draw(instants)
    started_at = anchor + draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)))
    trial_days = draw(st.none() | st.integers(min_value=0, max_value=60))
    lasts = draw(st.none() | st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=3 * 366)))
    terms = SubscriptionTerms(
        interval=draw(st.sampled_from(INTERVALS)),
        billing_time=draw(st.sampled_from(BILLING_TIMES)),
        anchor=anchor,
        started_at=started_at,
        tz=draw(st.sampled_from(TIMEZONES)),
        pay_in_advance=draw(st.booleans()),
        trial_ends_at=None if trial_days is None else started_at + timedelta(days=trial_days),
        ends_at=None if lasts is None else started_at + lasts,
        bill_charges_monthly=draw(st.booleans()),
    )
    until = started_at + draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3 * 366)))
    return terms, until


def assert_tiles(windows: list[Period], *, start: datetime) -> None:
    """Consecutive windows, the first starting at `start`: no gap and no overlap."""
    for window in windows:
        assert window.start == start
        assert window.start < window.end
        start = window.end


@settings(max_examples=200, deadline=None)
@given(subscription=subscriptions())
def test_usage_windows_tile_the_subscription_up_to_until(subscription):
    terms, until = subscription
    moments = billing_moments(terms, after=None, until=until)
    windows = [moment.charges for moment in moments if moment.charges is not None]
    covered_until = min(until, terms.ends_at) if terms.ends_at else until

    assert all(moment.charges.end == moment.at for moment in moments if moment.charges is not None)
    assert_tiles(windows, start=terms.started_at)
    billed_until = windows[-1].end if windows else terms.started_at
    assert billed_until <= covered_until
    if billed_until < covered_until:
        # What is left is the current usage window, which ends after `until`: no boundary was skipped.
        assert charges_period_containing(terms, at=billed_until).end > until
    if terms.ends_at is not None and terms.ends_at <= until:
        assert billed_until == terms.ends_at
        assert moments[-1].reason == SUBSCRIPTION_TERMINATING


@settings(max_examples=200, deadline=None)
@given(subscription=subscriptions())
def test_moments_are_ordered_and_every_part_lies_inside_its_period(subscription):
    terms, until = subscription
    moments = billing_moments(terms, after=None, until=until)

    assert [moment.at for moment in moments] == sorted({moment.at for moment in moments})
    assert all(terms.started_at <= moment.at <= until for moment in moments)
    for moment in moments:
        assert moment.plan_fee or moment.charges or moment.commitment
        for part in (moment.plan_fee, moment.commitment):
            if part is not None:
                assert 1 <= part.days_billed <= part.days_in_period
                assert part.period.start <= part.billed.start < part.billed.end <= part.period.end
        if moment.plan_fee is not None:
            edge = moment.plan_fee.billed.start if moment.plan_fee_in_advance else moment.plan_fee.billed.end
            assert edge == moment.at


@settings(max_examples=200, deadline=None)
@given(subscription=subscriptions())
def test_plan_fees_and_commitments_tile_time_without_billing_a_day_twice(subscription):
    terms, until = subscription
    moments = billing_moments(terms, after=None, until=until)
    fees = [moment.plan_fee.billed for moment in moments if moment.plan_fee is not None]
    commitments = [moment.commitment.billed for moment in moments if moment.commitment is not None]

    if fees:
        assert_tiles(fees, start=terms.plan_fee_starts_at)
    assert_tiles(commitments, start=terms.started_at)
    if terms.ends_at is not None and terms.ends_at <= until:
        assert commitments[-1].end == terms.ends_at
        if terms.plan_fee_starts_at is not None:
            assert fees[-1].end == terms.ends_at


@settings(max_examples=200, deadline=None)
@given(subscription=subscriptions(), data=st.data())
def test_billing_again_after_a_moment_never_returns_it(subscription, data):
    terms, until = subscription
    moments = billing_moments(terms, after=None, until=until)
    if not moments:
        assert next_billing_moment(terms, after=None).at > until
        return
    index = data.draw(st.integers(min_value=0, max_value=len(moments) - 1))
    moment = moments[index]

    assert billing_moments(terms, after=moment.at, until=until) == moments[index + 1 :]
    assert billing_moments(terms, after=moment.at, until=moment.at) == []
    assert next_billing_moment(terms, after=None) == moments[0]
    following = next_billing_moment(terms, after=moment.at)
    if index + 1 < len(moments):
        assert following == moments[index + 1]
    elif following is not None:
        assert following.at > until


@settings(max_examples=200, deadline=None)
@given(subscription=subscriptions(), data=st.data())
def test_billing_in_two_runs_gives_the_moments_of_one_run(subscription, data):
    terms, until = subscription
    cut = data.draw(st.datetimes(min_value=terms.started_at.replace(tzinfo=None), max_value=until.replace(tzinfo=None)))
    cut = cut.replace(tzinfo=UTC)
    first_run = billing_moments(terms, after=None, until=cut)
    second_run = billing_moments(terms, after=cut, until=until)
    assert first_run + second_run == billing_moments(terms, after=None, until=until)


@settings(max_examples=200, deadline=None)
@given(subscription=subscriptions(), data=st.data())
def test_the_current_usage_window_is_the_one_its_moment_bills(subscription, data):
    terms, until = subscription
    last = min(until, terms.ends_at) if terms.ends_at else until
    if last <= terms.started_at:
        return
    at = terms.started_at + data.draw(st.timedeltas(min_value=timedelta(0), max_value=last - terms.started_at))
    if at == last:
        return
    window = charges_period_containing(terms, at=at)
    billing = next(
        moment for moment in billing_moments(terms, after=at, until=window.end) if moment.charges is not None
    )
    assert at in window
    assert billing.charges == window


@settings(max_examples=100, deadline=None)
@given(
    year=st.integers(min_value=2000, max_value=2040),
    month=st.integers(min_value=1, max_value=12),
    day=st.integers(min_value=1, max_value=28),
    tz=st.sampled_from(TIMEZONES),
    pay_in_advance=st.booleans(),
)
def test_a_year_of_a_calendar_monthly_subscription_bills_twelve_fees(year, month, day, tz, pay_in_advance):
    # From local midnight to the same day a year later: the first and last months share their length (February's
    # changes with leap years, so a February start is on the 1st), and their parts add up to one month.
    assume(month != 2 or day == 1)
    zone = ZoneInfo(tz)
    started_at = datetime(year, month, day, tzinfo=zone).astimezone(UTC)
    terms = SubscriptionTerms(
        interval="monthly",
        billing_time="calendar",
        anchor=started_at,
        started_at=started_at,
        tz=tz,
        pay_in_advance=pay_in_advance,
        ends_at=datetime(year + 1, month, day, tzinfo=zone).astimezone(UTC),
    )
    amount = Decimal("49.99")
    moments = billing_moments(terms, after=None, until=terms.ends_at)
    fees = [moment.plan_fee for moment in moments if moment.plan_fee is not None]

    assert len(fees) == (12 if day == 1 else 13)
    assert sum(Fraction(fee.days_billed, fee.days_in_period) for fee in fees) == 12
    assert abs(sum(fee.prorate(amount) for fee in fees) - 12 * amount) < Decimal("1e-20")

"""The fee of each event billed in advance, worked by hand: price(usage up to and including it) - price(usage before
it), in its filter and pricing group, events ordered by (timestamp, transaction_id)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from invoicing.rating import UsageWindow
from invoicing.rating.in_advance import in_advance_fee_drafts
from metering.usage import UsageEvent
from plans.models import BillableMetric
from plans.periods import Period
from tests.factories.plans import BillableMetricFactory, ChargeFactory
from tests.factories.subscriptions import SubscriptionFactory

pytestmark = pytest.mark.django_db

D = Decimal
MARCH = Period(start=datetime(2026, 3, 1, tzinfo=UTC), end=datetime(2026, 4, 1, tzinfo=UTC))
Agg = BillableMetric.AggregationType
GRADUATED = {
    "graduated_ranges": [
        {"from_value": 0, "to_value": 10, "per_unit_amount": "1", "flat_amount": "0"},
        {"from_value": 10, "to_value": None, "per_unit_amount": "0.5", "flat_amount": "0"},
    ]
}
STANDARD = {"amount": "1"}


def usage_event(transaction_id: str, day: int, **properties) -> UsageEvent:
    at = datetime(2026, 3, day, tzinfo=UTC) if day > 0 else datetime(2026, 2, 28 + day, tzinfo=UTC)
    return UsageEvent("sub_1", at, at, transaction_id, properties)


def fees(charge, events: list[UsageEvent], billed: set[str], *, since=MARCH.start) -> dict[str, Decimal]:
    subscription = SubscriptionFactory(
        organization=charge.organization, plan=charge.plan, external_id="sub_1", subscription_at=since
    )
    window = UsageWindow(subscription=subscription, period=MARCH)
    return {
        fee.draft.event_transaction_id: fee.draft.precise_amount
        for fee in in_advance_fee_drafts(window=window, charge=charge, events=events, billed=billed)
    }


def charge_of(aggregation_type=Agg.SUM, charge_model="standard", properties=STANDARD, **metric):
    metric = BillableMetricFactory(aggregation_type=aggregation_type, field_name="value", **metric)
    return ChargeFactory(
        plan__organization=metric.organization,
        billable_metric=metric,
        charge_model=charge_model,
        properties=properties,
        pay_in_advance=True,
    )


@pytest.mark.parametrize(
    ("charge", "events", "expected"),
    [
        pytest.param(
            {"charge_model": "graduated", "properties": GRADUATED},
            [usage_event("late", 9, value=8), usage_event("early", 5, value=4)],
            {"early": D(4), "late": D(7)},  # ordered by time: 4 x 1; then 6 x 1 + 2 x 0.5
            id="a late event is priced at its place in time",
        ),
        pytest.param(
            {"charge_model": "graduated", "properties": GRADUATED},
            [usage_event("b", 5, value=8), usage_event("a", 5, value=4)],
            {"a": D(4), "b": D(7)},
            id="events of one instant are ordered by transaction id",
        ),
        pytest.param(
            {"aggregation_type": Agg.UNIQUE_COUNT},
            [
                usage_event("x1", 2, value="u1"),
                usage_event("x2", 3, value="u1"),
                usage_event("x3", 4, value="u2"),
                usage_event("x4", 5, value="u1", operation_type="remove"),
                usage_event("x5", 6, value="u1"),
            ],
            {"x1": D(1), "x2": D(0), "x3": D(1), "x4": D(0), "x5": D(1)},
            id="unique count bills a value each time it is added",
        ),
        pytest.param(
            {"rounding_function": "ceil", "rounding_precision": 0},
            [usage_event("x1", 2, value="0.4"), usage_event("x2", 3, value="0.4"), usage_event("x3", 4, value="0.4")],
            {"x1": D(1), "x2": D(0), "x3": D(1)},  # the metric's rounding applies to the period's units
            id="rounded units",
        ),
        pytest.param(
            {"charge_model": "percentage", "properties": {"rate": "10", "free_units_per_total_aggregation": "100"}},
            [usage_event("x1", 2, value=60), usage_event("x2", 3, value=60)],
            {"x1": D(0), "x2": D(2)},  # 100 free in the period, then 10% of 20
            id="percentage after free units",
        ),
        pytest.param(
            {"charge_model": "graduated", "properties": {**GRADUATED, "pricing_group_keys": ["region"]}},
            [
                usage_event("eu1", 2, value=8, region="eu"),
                usage_event("us1", 3, value=8, region="us"),
                usage_event("eu2", 4, value=4, region="eu"),
            ],
            {"eu1": D(8), "us1": D(8), "eu2": D(3)},  # each group climbs its own tiers
            id="pricing groups",
        ),
        pytest.param(
            {},
            [usage_event("before", -1, value=5), usage_event("no_value", 3), usage_event("x1", 4, value=2)],
            {"x1": D(2)},
            id="events outside the period or without a value bill nothing",
        ),
    ],
)
def test_the_fee_of_each_event(charge, events, expected):
    charge_options = {key: charge.pop(key) for key in ("charge_model", "properties") if key in charge}
    assert fees(charge_of(**charge, **charge_options), events, {event.transaction_id for event in events}) == expected


def test_only_the_events_billed_get_a_fee_and_the_others_count_before_them():
    charge = charge_of(charge_model="graduated", properties=GRADUATED)
    events = [usage_event("known", 2, value=9), usage_event("new", 3, value=3)]

    assert fees(charge, events, {"new"}) == {"new": D("2")}  # 1 x 1 to reach 10, then 2 x 0.5


def test_a_recurring_metric_counts_from_the_subscriptions_start():
    charge = charge_of(charge_model="graduated", properties=GRADUATED, recurring=True)
    events = [usage_event("february", -1, value=9), usage_event("march", 3, value=3)]

    assert fees(charge, events, {"march"}, since=datetime(2026, 2, 1, tzinfo=UTC)) == {"march": D("2")}


def test_a_recurring_metric_does_not_count_events_before_the_subscription():
    charge = charge_of(charge_model="graduated", properties=GRADUATED, recurring=True)
    events = [usage_event("february", -1, value=9), usage_event("march", 3, value=3)]

    assert fees(charge, events, {"march"}) == {"march": D("3")}

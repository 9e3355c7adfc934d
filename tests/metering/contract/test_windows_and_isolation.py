"""Many windows in one call, isolation from other codes, organizations and subscriptions, idempotency."""

from decimal import Decimal

import pytest

from metering.stores.base import Aggregation
from tests.factories.billing import OrganizationFactory
from tests.metering.contract.builders import SUB, ev, summary, window

SUM = Aggregation("sum_agg", "value")


def test_many_windows_of_different_subscriptions_in_one_call(metering):
    metering.add(
        ev(10, {"value": 1}, sub="sub_a"),
        ev(150, {"value": 2}, sub="sub_a"),
        ev(10, {"value": 4}, sub="sub_b"),  # before sub_b's window
        ev(150, {"value": 8}, sub="sub_b"),
        ev(250, {"value": 16}, sub="sub_c"),  # after sub_c's window
    )
    windows = [
        window("sub_c", 0, 200),
        window("sub_a", 0, 100),
        window("sub_b", 100, 200),
        window("sub_d", 0, 200),  # no events at all
    ]

    assert summary(metering.aggregate(SUM, windows=windows)) == [
        ("sub_a", None, (), Decimal(1), 1),
        ("sub_b", None, (), Decimal(8), 1),
        ("sub_c", None, (), Decimal(0), 0),
        ("sub_d", None, (), Decimal(0), 0),
    ]


def test_many_windows_with_filters_keep_each_window_apart(metering):
    metering.add(*[ev(index, {"value": index, "region": "eu"}, sub=f"sub_{index}") for index in range(1, 4)])
    windows = [window(f"sub_{index}") for index in range(1, 4)]

    results = metering.aggregate(SUM, windows=windows, filters=[{"region": ["eu"]}])

    assert summary(results) == [
        row
        for index in range(1, 4)
        for row in [(f"sub_{index}", None, (), Decimal(0), 0), (f"sub_{index}", 0, (), Decimal(index), 1)]
    ]


def test_other_codes_organizations_and_subscriptions_are_never_counted(metering):
    other_organization = OrganizationFactory(name="Initech")
    metering.add(ev(1, {"value": 1}))
    metering.add(ev(2, {"value": 10}, code="storage"))
    metering.add(ev(3, {"value": 100}, sub="sub_other"))
    metering.add(ev(4, {"value": 1000}), organization_id=other_organization.id)

    assert metering.units(SUM) == (Decimal(1), 1)
    assert metering.units(Aggregation("count_agg")) == (Decimal(1), 1)
    assert metering.units(SUM, code="storage") == (Decimal(10), 1)


def test_a_code_without_events_gives_zero_for_every_window(metering):
    metering.add(ev(1, {"value": 1}))

    assert summary(metering.aggregate(SUM, code="unknown", windows=[window("sub_a"), window("sub_b")])) == [
        ("sub_a", None, (), Decimal(0), 0),
        ("sub_b", None, (), Decimal(0), 0),
    ]


def test_a_repeated_transaction_id_is_refused_and_never_counted_twice(metering):
    assert metering.add(ev(1, {"value": 5}, tx="t1")).accepted

    outcome = metering.add(ev(2, {"value": 100}, tx="t1"))

    assert outcome.duplicates == (0,)
    assert outcome.stored == 0
    assert metering.units(SUM) == (Decimal(5), 1)


def test_a_batch_with_a_known_transaction_stores_nothing(metering):
    metering.add(ev(1, {"value": 5}, tx="t1"))

    outcome = metering.add(ev(2, {"value": 100}, tx="t2"), ev(3, {"value": 100}, tx="t1"))

    assert outcome.duplicates == (1,)
    assert metering.units(SUM) == (Decimal(5), 1)


def test_a_transaction_repeated_inside_a_batch_is_refused(metering):
    outcome = metering.add(ev(1, {"value": 5}, tx="t1"), ev(2, {"value": 7}, tx="t1"))

    assert not outcome.accepted
    assert metering.units(SUM) == (Decimal(0), 0)


def test_the_same_transaction_id_is_distinct_per_subscription(metering):
    outcome = metering.add(ev(1, {"value": 5}, tx="t1", sub=SUB), ev(1, {"value": 7}, tx="t1", sub="sub_b"))

    assert outcome.accepted
    assert summary(metering.aggregate(SUM, windows=[window(SUB), window("sub_b")])) == [
        (SUB, None, (), Decimal(5), 1),
        ("sub_b", None, (), Decimal(7), 1),
    ]


@pytest.mark.parametrize(
    ("aggregation", "filters", "expected"),
    [
        (
            Aggregation("sum_agg", "value"),
            [{"region": ["eu"]}],
            [
                ("sub_a", None, Decimal(3)),
                ("sub_a", 0, Decimal(1)),
                ("sub_a", None, Decimal("2.5")),
                ("sub_b", 0, Decimal(4)),
            ],
        ),
        (
            Aggregation("count_agg"),
            [],
            [("sub_a", None, Decimal(1))] * 4 + [("sub_b", None, Decimal(1))],
        ),
    ],
)
def test_event_values_are_the_counted_events_in_timestamp_order(metering, aggregation, filters, expected):
    metering.add(
        ev(30, {"value": "2.5"}),
        ev(10, {"value": 3}),
        ev(20, {"value": 1, "region": "eu"}),
        ev(40, {"value": "n/a"}),
        ev(500, {"value": 9}),  # outside the window
        ev(15, {"value": 4, "region": "eu"}, sub="sub_b"),
        ev(16, {"value": 4}, code="storage"),
    )
    windows = [window("sub_b"), window("sub_a")]

    assert metering.event_values(aggregation, windows=windows, filters=filters) == expected
    results = metering.aggregate(aggregation, windows=windows, filters=filters)
    assert sum(result.events_count for result in results) == len(expected)

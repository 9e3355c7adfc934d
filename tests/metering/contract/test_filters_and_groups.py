"""Charge filters (most specific match, ties to the lowest index, zero results) and pricing group keys."""

from decimal import Decimal

from metering.stores.base import Aggregation
from tests.metering.contract.builders import SUB, ev, summary

COUNT = Aggregation("count_agg")
SUM = Aggregation("sum_agg", "value")
FILTERS = [
    {"region": ["eu"]},
    {"region": ["eu"], "tier": ["gold"]},
    {"tier": ["gold"]},
    {"region": ["us"]},
    {"region": ["apac"]},
]


def test_events_go_to_the_most_specific_matching_filter(metering):
    metering.add(
        ev(1, {"region": "eu", "tier": "gold"}),  # matches 0, 1 and 2: 1 has most keys
        ev(2, {"region": "eu"}),  # 0
        ev(3, {"region": "eu", "tier": "silver"}),  # 0
        ev(4, {"tier": "gold"}),  # 2
        ev(5, {"region": "us", "tier": "gold"}),  # 2 and 3, one key each: the lowest index
        ev(6, {"region": "fr"}),  # none: default
        ev(7, {}),  # none: default
    )

    assert summary(metering.aggregate(COUNT, filters=FILTERS)) == [
        (SUB, None, (), Decimal(2), 2),
        (SUB, 0, (), Decimal(2), 2),
        (SUB, 1, (), Decimal(1), 1),
        (SUB, 2, (), Decimal(2), 2),
        (SUB, 3, (), Decimal(0), 0),
        (SUB, 4, (), Decimal(0), 0),  # every filter has a result, even without events
    ]


def test_filter_values_match_numbers_and_booleans_by_their_json_spelling(metering):
    metering.add(ev(1, {"size": 1}), ev(2, {"size": 1.0}), ev(3, {"size": "1"}), ev(4, {"gpu": True}))

    results = metering.aggregate(COUNT, filters=[{"size": ["1"]}, {"gpu": ["true"]}])

    assert summary(results) == [
        (SUB, None, (), Decimal(0), 0),
        (SUB, 0, (), Decimal(3), 3),
        (SUB, 1, (), Decimal(1), 1),
    ]


def test_filters_partition_sums_and_keep_non_numbers_out(metering):
    metering.add(
        ev(1, {"region": "eu", "value": 2}),
        ev(2, {"region": "eu", "value": "bad"}),
        ev(3, {"region": "us", "value": 5}),
    )

    assert summary(metering.aggregate(SUM, filters=[{"region": ["eu"]}])) == [
        (SUB, None, (), Decimal(5), 1),
        (SUB, 0, (), Decimal(2), 1),
    ]


def test_group_by_gives_one_result_per_value_tuple(metering):
    metering.add(
        ev(1, {"region": "eu", "value": 1}),
        ev(2, {"region": "eu", "value": 2}),
        ev(3, {"region": "us", "value": 4}),
        ev(4, {"value": 8}),  # no region: the None group
    )

    assert summary(metering.aggregate(SUM, group_by=["region"])) == [
        (SUB, None, (), Decimal(0), 0),  # the default result without a group is still there, zero
        (SUB, None, (("region", None),), Decimal(8), 1),
        (SUB, None, (("region", "eu"),), Decimal(3), 2),
        (SUB, None, (("region", "us"),), Decimal(4), 1),
    ]


def test_group_by_several_keys_with_filters(metering):
    metering.add(
        ev(1, {"tier": "gold", "region": "eu", "cloud": "aws"}),
        ev(2, {"tier": "gold", "region": "eu", "cloud": "aws"}),
        ev(3, {"tier": "gold", "region": "eu", "cloud": 1}),
        ev(4, {"region": "us"}),
    )

    results = metering.aggregate(
        COUNT, filters=[{"tier": ["gold"]}, {"tier": ["silver"]}], group_by=["region", "cloud"]
    )

    assert summary(results) == [
        (SUB, None, (), Decimal(0), 0),
        (SUB, None, (("region", "us"), ("cloud", None)), Decimal(1), 1),
        (SUB, 0, (), Decimal(0), 0),
        (SUB, 0, (("region", "eu"), ("cloud", "1")), Decimal(1), 1),
        (SUB, 0, (("region", "eu"), ("cloud", "aws")), Decimal(2), 2),
        (SUB, 1, (), Decimal(0), 0),
    ]


def test_a_group_whose_events_have_no_number_appears_with_zero(metering):
    metering.add(ev(1, {"region": "eu", "value": "n/a"}), ev(2, {"region": "us", "value": 3}))

    assert summary(metering.aggregate(SUM, group_by=["region"])) == [
        (SUB, None, (), Decimal(0), 0),
        (SUB, None, (("region", "eu"),), Decimal(0), 0),
        (SUB, None, (("region", "us"),), Decimal(3), 1),
    ]


def test_unique_count_and_latest_per_group(metering):
    metering.add(
        ev(1, {"region": "eu", "user": "a"}),
        ev(2, {"region": "us", "user": "a"}),
        ev(3, {"region": "eu", "user": "a", "operation_type": "remove"}),  # removes a from eu only
        ev(4, {"region": "eu", "user": "b"}),
    )

    assert summary(metering.aggregate(Aggregation("unique_count_agg", "user"), group_by=["region"])) == [
        (SUB, None, (), Decimal(0), 0),
        (SUB, None, (("region", "eu"),), Decimal(1), 3),
        (SUB, None, (("region", "us"),), Decimal(1), 1),
    ]

"""unique_count: a value counts when its latest operation in the window is an add."""

from decimal import Decimal

import pytest

from metering.stores.base import Aggregation
from tests.metering.contract.builders import ev

UNIQUE_USERS = Aggregation("unique_count_agg", "user")
REMOVE = {"operation_type": "remove"}


@pytest.mark.parametrize(
    ("events", "units", "events_count"),
    [
        pytest.param([ev(1, {"user": "a"}), ev(2, {"user": "a"})], "1", 2, id="same value twice"),
        pytest.param([ev(1, {"user": "a"}), ev(2, {"user": "b"})], "2", 2, id="two values"),
        pytest.param([ev(1, {"user": "a"}), ev(2, {"user": "a", **REMOVE})], "0", 2, id="add then remove"),
        pytest.param([ev(1, {"user": "a"}), ev(2, {"user": "a", **REMOVE}), ev(3, {"user": "a"})], "1", 3, id="re-add"),
        pytest.param([ev(1, {"user": "b", **REMOVE})], "0", 1, id="remove of a value never added"),
        pytest.param([ev(1, {"user": "b", **REMOVE}), ev(2, {"user": "b"})], "1", 2, id="remove before the first add"),
        pytest.param(
            [ev(5, {"user": "a"}, ingested=5), ev(5, {"user": "a", **REMOVE}, ingested=6)],
            "0",
            2,
            id="same second: the remove ingested last wins",
        ),
        pytest.param(
            [ev(5, {"user": "a", **REMOVE}, ingested=6), ev(5, {"user": "a"}, ingested=7)],
            "1",
            2,
            id="same second: the add ingested last wins",
        ),
        pytest.param(
            [ev(5, {"user": "a"}, tx="tx-b"), ev(5, {"user": "a", **REMOVE}, tx="tx-a")],
            "1",
            2,
            id="same second and ingestion: ordered by transaction_id",
        ),
        pytest.param([ev(2, {"user": "a", **REMOVE}), ev(1, {"user": "a"})], "0", 2, id="timestamp order, not arrival"),
        pytest.param([ev(1, {"user": 1}), ev(2, {"user": "1"}), ev(3, {"user": 1.0})], "1", 3, id="1 and '1'"),
        pytest.param([ev(1, {"user": "1"}), ev(2, {"user": "1.0"})], "2", 2, id="strings compare as strings"),
        pytest.param([ev(1, {"user": True}), ev(2, {"user": "true"})], "1", 2, id="true and 'true'"),
        pytest.param([ev(1, {"user": "a", "operation_type": "add"})], "1", 1, id="explicit add"),
        pytest.param([ev(1, {}), ev(2, {"user": None})], "0", 2, id="no value: counted event, no unit"),
    ],
)
def test_unique_count_add_remove_sequences(metering, events, units, events_count):
    metering.add(*events)

    assert metering.units(UNIQUE_USERS) == (Decimal(units), events_count)

"""The rows the flusher forwards from the Redis inbox are those built from the same events stored in the SQL table
and read back (PostgreSQL: text columns and epoch microseconds; SQLite: the ORM), as the legacy queue forwards them."""

import dataclasses
import json
from datetime import UTC, datetime
from decimal import Decimal

from metering.models import Event
from metering.stores.clickhouse.flusher import clickhouse_row
from metering.stores.clickhouse.rows import EVENT_COLUMNS
from tests.metering.clickhouse.builders import at, record, store_in_both
from tests.metering.clickhouse.conftest import CountingTransport

PROPERTIES_COLUMN = EVENT_COLUMNS.index("properties")
AMOUNT_COLUMN = EVENT_COLUMNS.index("precise_total_amount_cents")


class RecordingTransport(CountingTransport):
    def __init__(self, transport):
        super().__init__(transport)
        self.rows: list[tuple] = []

    def insert_columns(self, table, columns, values):
        self.rows.extend(zip(*values, strict=True))
        super().insert_columns(table, columns, values)


def comparable(row: tuple) -> tuple:
    """The row with its JSON text read back and its property arrays as sorted (key, value) pairs: the stored text and
    a re-serialization spell the same values, maybe with keys in another order (PostgreSQL's jsonb sorts them)."""
    keys, strings, numeric_keys, numbers = row[PROPERTIES_COLUMN + 1 : PROPERTIES_COLUMN + 5]
    amount = row[AMOUNT_COLUMN]
    return (
        *row[:PROPERTIES_COLUMN],
        json.loads(row[PROPERTIES_COLUMN]),
        sorted(zip(keys, strings, strict=True)),
        sorted(zip(numeric_keys, numbers, strict=True)),
        row[PROPERTIES_COLUMN + 5],
        None if amount is None else Decimal(amount),  # the SQL table pads it to 15 decimals
        *row[AMOUNT_COLUMN + 1 :],
    )


def test_forwarded_rows_are_the_rows_of_the_stored_events(store, transport, organization):
    events = [
        record(organization.id, "tx-micro", at(hours=1, microseconds=123457), {"value": 0.1, "région": "été"}),
        record(organization.id, "tx-old", datetime(1969, 7, 20, 20, 17, 40, 999999, tzinfo=UTC), {"value": "-2.50"}),
        record(organization.id, "tx-tiny", at(hours=2), {"value": 1e-7, "operation_type": "remove", "on": True}),
        record(organization.id, "tx-big", at(hours=3), {"value": 10**30, "nested": {"a": [1, 2]}, "none": None}),
        dataclasses.replace(
            record(organization.id, "tx-amount", at(hours=4), {}),
            precise_total_amount_cents=Decimal("1234.5"),
            diagnostics=("value_missing",),
        ),
        # Equal as dict keys, forwarded differently: the flush's memo of values must keep them apart.
        record(organization.id, "tx-equal-1", at(hours=5), {"a": True, "b": 1, "c": 1.0, "d": "1"}),
        record(organization.id, "tx-equal-2", at(hours=5), {"a": 1, "b": 1.0, "c": "1", "d": True}),
        record(organization.id, "tx-equal-3", at(hours=5), {"a": 1.0, "b": True, "c": 1, "d": 1.5}),
    ]
    store_in_both(store, events)
    expected = sorted(comparable(clickhouse_row(event)) for event in Event.objects.filter(organization=organization))
    recording = RecordingTransport(transport)

    assert store.__class__(recording).flush() == len(events)

    assert sorted(comparable(row) for row in recording.rows) == expected

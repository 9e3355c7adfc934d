"""The `events` table's rows, and the column-wise batches the inbox holds them in.

An event's properties are forwarded three ways (ddl.py): the JSON text, the comparison strings filters and groups read
(metering.usage.property_string) and the numbers sums read (metering.usage.parse_number), worked out in Python so
that they agree with the SQL store. Ingestion works them out while it has the parsed properties, and the inbox keeps a
batch as one list per column: the flusher then only joins an entry's columns to the others' and hands them to
clickhouse-driver, where decoding each event's JSON and building its row took most of a flush.

Numbers travel as plain decimal text ("3", "0.000000000001"): JSON has no exact decimals, and both clickhouse-driver
and ClickHouse's literal parser read a Decimal column's value from its text.
"""

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

import orjson

from metering.stores.base import EventRecord, PropertyValue
from metering.stores.clickhouse.timestamps import microseconds
from metering.usage import is_remove, parse_number, property_string

EVENT_COLUMNS = (
    "organization_id",
    "code",
    "external_subscription_id",
    "timestamp_us",
    "transaction_id",
    "ingested_at_us",
    "event_id",
    "properties",
    "property_keys",
    "property_values",
    "numeric_keys",
    "numeric_values",
    "is_remove",
    "precise_total_amount_cents",
    "diagnostics",
)
ORGANIZATION, CODE, SUBSCRIPTION, TIMESTAMP, TRANSACTION = range(5)
PROPERTIES = EVENT_COLUMNS.index("properties")

# One list per EVENT_COLUMNS name, all of one length.
Columns = list[list]

# An event as the PostgreSQL queue of earlier releases (and the inbox's row-wise entries) held it:
# (organization_id, code, external_subscription_id, timestamp_us, transaction_id, ingested_at_us, event_id,
# properties as JSON text, precise_total_amount_cents as plain text or None, diagnostics).
QueuedEvent = tuple[str, str, str, int, str, int, str, str, str | None, str]


class PropertyValues:
    """How each property value is forwarded (its comparison string, its number as plain text), worked out once per
    distinct value: events mostly repeat a few values, and the Decimal work was most of building a row."""

    MAX_REMEMBERED = 100_000

    def __init__(self):
        # Keyed by type too: True, 1 and 1.0 are equal dict keys but forward differently.
        self._known: dict[tuple[type, PropertyValue], tuple[str | None, str | None]] = {}

    def columns(self, value: PropertyValue) -> tuple[str | None, str | None]:
        key = (value.__class__, value)
        try:
            return self._known[key]
        except KeyError:
            pass
        except TypeError:  # a list or dict (never stored: ingestion refuses nested values)
            return _forwarded(value)
        if len(self._known) >= self.MAX_REMEMBERED:
            self._known.clear()
        forwarded = self._known[key] = _forwarded(value)
        return forwarded


def _forwarded(value: PropertyValue) -> tuple[str | None, str | None]:
    number = parse_number(value)
    return property_string(value), None if number is None else f"{number:f}"


# A web process's values, kept from batch to batch (bounded by MAX_REMEMBERED).
_PROCESS_VALUES = PropertyValues()


def property_columns(properties: dict, values: PropertyValues) -> tuple[list, list, list, list]:
    """(property_keys, property_values, numeric_keys, numeric_values) of one event."""
    keys, strings, numeric_keys, numbers = [], [], [], []
    columns = values.columns
    for key, value in properties.items():
        string, number = columns(value)
        if string is not None:
            keys.append(key)
            strings.append(string)
        if number is not None:
            numeric_keys.append(key)
            numbers.append(number)
    return keys, strings, numeric_keys, numbers


def records_columns(records: Sequence[EventRecord], values: PropertyValues = _PROCESS_VALUES) -> Columns:
    """The records' `events` rows, column-wise; a batch shares its organization and receipt time, mostly its
    timestamps, whose texts and microseconds are worked out once."""
    columns: Columns = [[] for _name in EVENT_COLUMNS]
    (
        organization_ids,
        codes,
        subscriptions,
        timestamps,
        transactions,
        ingested_ats,
        event_ids,
        texts,
        property_keys,
        property_values,
        numeric_keys,
        numeric_values,
        removes,
        amounts,
        diagnostics,
    ) = columns
    organization_texts: dict[object, str] = {}
    instants: dict[datetime, int] = {}
    for record in records:
        organization_id = organization_texts.get(record.organization_id)
        if organization_id is None:
            organization_id = organization_texts[record.organization_id] = str(record.organization_id)
        timestamp = instants.get(record.timestamp)
        if timestamp is None:
            timestamp = instants[record.timestamp] = microseconds(record.timestamp)
        ingested_at = instants.get(record.ingested_at)
        if ingested_at is None:
            ingested_at = instants[record.ingested_at] = microseconds(record.ingested_at)
        properties = record.properties
        keys, strings, numbers_keys, numbers = property_columns(properties, values)
        amount = record.precise_total_amount_cents
        organization_ids.append(organization_id)
        codes.append(record.code)
        subscriptions.append(record.external_subscription_id)
        timestamps.append(timestamp)
        transactions.append(record.transaction_id)
        ingested_ats.append(ingested_at)
        event_ids.append(str(record.lago_id))
        texts.append(json_text(properties) if properties else "{}")
        property_keys.append(keys)
        property_values.append(strings)
        numeric_keys.append(numbers_keys)
        numeric_values.append(numbers)
        removes.append(int(is_remove(properties)))
        amounts.append(f"{amount:f}" if amount is not None else None)
        diagnostics.append(",".join(sorted(record.diagnostics)) if record.diagnostics else "")
    return columns


def json_text(properties: dict) -> str:
    try:
        return orjson.dumps(properties).decode()
    except TypeError:  # integers beyond 64 bits, which orjson refuses and the json module writes exactly
        return json.dumps(properties)


def queued_row(queued: QueuedEvent, values: PropertyValues | None = None) -> tuple:
    """The `events` row of a queued event, in EVENT_COLUMNS order. The stored JSON text is forwarded as it is (a
    re-serialization would read back to the same values)."""
    *identity, text, amount, diagnostics = queued  # identity: the columns up to event_id, forwarded as they are
    properties = json.loads(text) or {}  # not orjson: it reads integers beyond 64 bits as floats
    keys, strings, numeric_keys, numbers = property_columns(properties, values or PropertyValues())
    return (
        *identity,
        text if properties else "{}",
        keys,
        strings,
        numeric_keys,
        numbers,
        int(is_remove(properties)),
        amount,
        diagnostics,
    )


def rows_columns(rows: Iterable[tuple]) -> Columns:
    """Rows in EVENT_COLUMNS order, column-wise."""
    columns = [list(column) for column in zip(*rows, strict=True)]
    return columns or [[] for _name in EVENT_COLUMNS]


def columns_rows(columns: Columns) -> list[tuple]:
    return list(zip(*columns, strict=True))

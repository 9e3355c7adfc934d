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
from decimal import Decimal

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
    """The records' `events` rows, column-wise: one comprehension per column (a batch shares its organization and
    receipt time, mostly its timestamps, whose texts and microseconds are worked out once)."""
    properties = [record.properties for record in records]
    property_rows = [property_columns(item, values) for item in properties]
    keys, strings, numeric_keys, numbers = (
        [list(column) for column in zip(*property_rows, strict=True)] if records else [[], [], [], []]
    )
    return [
        _organization_texts(records),
        [record.code for record in records],
        [record.external_subscription_id for record in records],
        _once_each([record.timestamp for record in records], microseconds),
        [record.transaction_id for record in records],
        _once_each([record.ingested_at for record in records], microseconds),
        [str(record.lago_id) for record in records],
        [json_text(item) if item else "{}" for item in properties],
        keys,
        strings,
        numeric_keys,
        numbers,
        [int(is_remove(item)) for item in properties],
        [
            None if record.precise_total_amount_cents is None else f"{record.precise_total_amount_cents:f}"
            for record in records
        ],
        [",".join(sorted(record.diagnostics)) if record.diagnostics else "" for record in records],
    ]


def _amount_text(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:f}"


def _organization_texts(records: Sequence[EventRecord]) -> list[str]:
    if not records:
        return []
    first = records[0].organization_id
    if all(record.organization_id is first for record in records):  # a batch's records share one UUID object
        return [str(first)] * len(records)
    return _once_each([record.organization_id for record in records], str)


def _once_each(items: list, convert) -> list:
    converted: dict = {}
    return [converted[item] if item in converted else converted.setdefault(item, convert(item)) for item in items]


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

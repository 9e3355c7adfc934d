"""Validation of raw events as Lago's clients send them, into `EventRecord`s.

This is the ingestion hot path: a plain loop over dicts, not DRF serializers (DESIGN.md measured DRF eight times
slower here). Errors are Lago field codes keyed by dotted path: `timestamp`, `properties.region`, or, for a batch,
prefixed by the event's index (`3.timestamp`), like every other flattened error of the API.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Annotated, Any
from uuid import UUID

import msgspec

from billing.ids import time_ordered_uuids
from metering.stores.base import EventRecord

MAX_ID_LENGTH = 255
MAX_PROPERTIES = 100
MAX_PROPERTY_KEY_LENGTH = 100
# Timestamps further away than this are mistakes (milliseconds sent as seconds, a zero clock), not usage.
MAX_TIMESTAMP_AGE = timedelta(days=5 * 365 + 1)
MAX_TIMESTAMP_LEAD = timedelta(days=1)

# Event.precise_total_amount_cents is DECIMAL(40, 15): 25 integer digits.
AMOUNT_PLACES = Decimal("1e-15")
AMOUNT_LIMIT = Decimal(10) ** 25
# Quantizing to 15 places needs room for every digit (41 when rounding reaches 10**25): the default context's 28
# made amounts from 10**13 up raise InvalidOperation.
_AMOUNT_CONTEXT = Context(prec=41, rounding=ROUND_HALF_UP)

UNIX_SECONDS = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ID_FIELDS = ("transaction_id", "external_subscription_id", "code")
# What a JSON parser gives for a flat value (the request parser builds exactly these types, no subclasses).
_FLAT_VALUE_TYPES = frozenset({str, int, float, bool, type(None)})


_WireId = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ID_LENGTH)]
_WireNumber = int | float | str | None
_WireProperties = Annotated[
    dict[Annotated[str, msgspec.Meta(max_length=MAX_PROPERTY_KEY_LENGTH)], str | int | float | bool | None],
    msgspec.Meta(max_length=MAX_PROPERTIES),
]


class WireEvent(msgspec.Struct, gc=False):
    """An event whose ids and properties already have the shapes ingestion accepts: msgspec checks them in C while it
    decodes the body, which made up most of validating an event in Python. Timestamps and amounts are still checked
    here. A body msgspec refuses for any reason is parsed as plain JSON, and the plain loop lists its errors."""

    transaction_id: _WireId
    external_subscription_id: _WireId
    code: _WireId
    timestamp: _WireNumber = None
    properties: _WireProperties | None = None
    precise_total_amount_cents: _WireNumber = None


class _WireBatch(msgspec.Struct, gc=False):
    events: list[WireEvent]


_WIRE_BATCH = msgspec.json.Decoder(_WireBatch)
# JSON strings cannot hold a raw NUL, only this escape (PostgreSQL cannot store NUL in text).
_ESCAPED_NUL = b"\\u0000"


def wire_events_decode(body: bytes) -> list[WireEvent] | None:
    """The events of a batch body `{"events": [...]}` when every one has the wire shape, else None: the caller then
    parses the body as plain JSON. Values are exactly what the plain JSON parser gives (integers beyond 64 bits
    included); a NUL anywhere sends the body the plain way."""
    if _ESCAPED_NUL in body:
        return None
    try:
        return _WIRE_BATCH.decode(body).events
    except (msgspec.DecodeError, UnicodeDecodeError):  # msgspec.ValidationError is a DecodeError
        return None


@dataclass(frozen=True)
class ParsedEvents:
    records: list[EventRecord]
    errors: dict[str, list[str]]


def events_parse(
    raw_events: Sequence[Any], *, organization_id: UUID, now: datetime, keyed_by_index: bool = True
) -> ParsedEvents:
    """Every event is checked, so that one answer lists all the errors of a batch.

    raw_events: decoded JSON values, or WireEvents (wire_events_decode).
    keyed_by_index: prefix error paths with the event's index (a batch); a single event's errors are unprefixed.
    """
    records: list[EventRecord] = []
    errors: dict[str, list[str]] = {}
    bounds = _TimestampBounds(now)
    lago_ids = time_ordered_uuids(len(raw_events))
    for index, raw in enumerate(raw_events):
        if type(raw) is WireEvent:
            record = _wire_record(raw, organization_id, bounds, lago_ids[index])
            if record is not None:
                records.append(record)
                continue
            raw = msgspec.structs.asdict(raw)  # the plain loop names the errors
        prefix = f"{index}." if keyed_by_index else ""
        if not isinstance(raw, dict):
            errors[str(index) if keyed_by_index else "event"] = ["invalid_type"]
            continue
        event_errors: dict[str, list[str]] = {}
        record = _record(raw, organization_id, bounds, lago_ids[index], event_errors)
        if event_errors:
            errors.update({prefix + path: codes for path, codes in event_errors.items()})
        else:
            records.append(record)
    return ParsedEvents(records=records, errors=errors)


class _TimestampBounds:
    """The accepted range around the time of receipt, and the datetimes of the batch's timestamps (a batch's events
    mostly share a few)."""

    def __init__(self, now: datetime):
        self.now = now
        self.earliest = (now - MAX_TIMESTAMP_AGE).timestamp()
        self.latest = (now + MAX_TIMESTAMP_LEAD).timestamp()
        self.seen: dict[Any, datetime] = {}


def _record(
    raw: dict, organization_id: UUID, bounds: _TimestampBounds, lago_id: UUID, errors: dict[str, list[str]]
) -> EventRecord | None:
    transaction_id = raw.get("transaction_id")
    subscription = raw.get("external_subscription_id")
    code = raw.get("code")
    if not (_plain_id(transaction_id) and _plain_id(subscription) and _plain_id(code)):
        for name, value in zip(_ID_FIELDS, (transaction_id, subscription, code), strict=True):
            if error := _id_error(value):
                errors[name] = [error]
    raw_timestamp = raw.get("timestamp")
    timestamp = bounds.seen.get(raw_timestamp) if type(raw_timestamp) is int else None
    if timestamp is None:
        timestamp = _timestamp(raw_timestamp, bounds, errors)
    properties = raw.get("properties")
    properties = {} if properties is None else _properties(properties, errors)
    amount = raw.get("precise_total_amount_cents")
    if amount is not None:
        amount = _amount(amount, errors)
    if errors:
        return None
    return EventRecord(
        organization_id=organization_id,
        transaction_id=transaction_id,
        external_subscription_id=subscription,
        code=code,
        timestamp=timestamp,
        properties=properties,
        precise_total_amount_cents=amount,
        ingested_at=bounds.now,
        lago_id=lago_id,
    )


def _wire_record(wire: WireEvent, organization_id: UUID, bounds: _TimestampBounds, lago_id: UUID) -> EventRecord | None:
    """The record of an event of the wire shape, or None when its timestamp or amount is refused."""
    raw_timestamp = wire.timestamp
    timestamp = bounds.seen.get(raw_timestamp) if type(raw_timestamp) is int else None
    if timestamp is None:
        errors: dict[str, list[str]] = {}
        timestamp = _timestamp(raw_timestamp, bounds, errors)
        if errors:
            return None
    amount = wire.precise_total_amount_cents
    if amount is not None:
        errors = {}
        amount = _amount(amount, errors)
        if errors:
            return None
    return EventRecord(
        organization_id=organization_id,
        transaction_id=wire.transaction_id,
        external_subscription_id=wire.external_subscription_id,
        code=wire.code,
        timestamp=timestamp,
        properties=wire.properties or {},
        precise_total_amount_cents=amount,
        ingested_at=bounds.now,
        lago_id=lago_id,
    )


def _plain_id(value: Any) -> bool:
    """The common case, checked at once: a short non-empty str without NUL."""
    return type(value) is str and 0 < len(value) <= MAX_ID_LENGTH and "\x00" not in value


def _id_error(value: Any) -> str | None:
    if value is None or value == "":
        return "value_is_mandatory"
    if not isinstance(value, str):
        return "invalid_type"
    if len(value) > MAX_ID_LENGTH:
        return "value_is_too_long"
    if "\x00" in value:
        return "invalid_value"  # PostgreSQL cannot store NUL in text
    return None


def _timestamp(value: Any, bounds: _TimestampBounds, errors: dict) -> datetime | None:
    if value is None:
        return bounds.now
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        errors["timestamp"] = ["invalid_format"]
        return None
    if isinstance(value, str):
        if not UNIX_SECONDS.match(value):
            errors["timestamp"] = ["invalid_format"]  # ISO 8601 included: Lago takes Unix seconds only
            return None
        seconds: int | float | Decimal = Decimal(value)
    else:
        seconds = value
    if not bounds.earliest <= seconds <= bounds.latest:
        errors["timestamp"] = ["value_is_out_of_range"]
        return None
    moment = datetime_from_unix_seconds(seconds)
    if type(value) is int:
        bounds.seen[value] = moment
    return moment


def datetime_from_unix_seconds(seconds: int | float | Decimal) -> datetime:
    """Exact to the microsecond (a float through its shortest repr); OverflowError past datetime's range."""
    if isinstance(seconds, int):
        return _EPOCH + timedelta(seconds=seconds)
    exact = Decimal(repr(seconds)) if isinstance(seconds, float) else seconds
    return _EPOCH + timedelta(microseconds=int((exact * 1_000_000).to_integral_value(ROUND_HALF_UP)))


def _properties(value: Any, errors: dict) -> dict:
    if not isinstance(value, dict):
        errors["properties"] = ["invalid_type"]
        return {}
    if len(value) > MAX_PROPERTIES:
        errors["properties"] = ["too_many_properties"]
        return {}
    for key, item in value.items():
        if len(key) > MAX_PROPERTY_KEY_LENGTH or "\x00" in key:
            errors["properties"] = ["invalid_key"]
        elif type(item) not in _FLAT_VALUE_TYPES or (type(item) is str and "\x00" in item):
            errors[f"properties.{key}"] = ["invalid_value"]
    return value


def _amount(value: Any, errors: dict) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        errors["precise_total_amount_cents"] = ["invalid_type"]
        return None
    try:
        amount = Decimal(repr(value) if isinstance(value, float) else value)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        errors["precise_total_amount_cents"] = ["invalid_value"]
        return None
    # copy_abs, not abs(): abs() rounds to the context's precision, so 25 nines and a fraction compared as 10**25.
    rounded = amount.quantize(AMOUNT_PLACES, context=_AMOUNT_CONTEXT) if amount.copy_abs() < AMOUNT_LIMIT else None
    if rounded is None or rounded.copy_abs() >= AMOUNT_LIMIT:  # also what rounds up to 10**25
        errors["precise_total_amount_cents"] = ["value_is_out_of_range"]
        return None
    return rounded

"""Usage arithmetic shared by every event store: what a property value counts as, where an event goes, how each
aggregation accumulates, and how results are rounded, zero-filled and sorted. Pure Python, no database.

A store either streams a query's events through `aggregate_events` (as the SQL store does), or measures
(units, events_count) per result key in its database and finishes them with `assemble_results`, so that every store
rounds, zero-fills and orders results the same way.

Arithmetic runs in `ARITHMETIC` (100 significant digits): values have at most 26 integer and 12 fractional digits, so
sums and time-weighted products stay exact; Python's default 28-digit context would silently round them.
"""

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal, localcontext
from typing import NamedTuple

from metering.stores.base import Aggregation, PropertyValue, SubscriptionWindow, UsageQuery, UsageResult

VALUE_DECIMALS = 12
VALUE_QUANTUM = Decimal(1).scaleb(-VALUE_DECIMALS)
# Stores aggregate in Decimal(38, 12): a value must keep under 26 integer digits once quantized.
MAX_INTEGER_DIGITS = 26
VALUE_LIMIT = Decimal(10) ** MAX_INTEGER_DIGITS
# ASCII digits only, whole string (re's `$` would accept a trailing newline, `\d` any Unicode digit).
NUMERIC_STRING = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
ARITHMETIC = Context(prec=100, rounding=ROUND_HALF_UP)

ROUNDINGS = {"round": ROUND_HALF_UP, "floor": ROUND_FLOOR, "ceil": ROUND_CEILING}
# Aggregations whose events_count counts only events with a numeric value.
NUMERIC_AGGREGATIONS = frozenset({"sum_agg", "max_agg", "latest_agg", "weighted_sum_agg"})

Filter = Mapping[str, Sequence[str]]
Group = tuple[tuple[str, str | None], ...]
ResultKey = tuple[int, int | None, Group]  # (position of the window in query.windows, filter index, group)
MICROSECONDS_PER_SECOND = Decimal(1_000_000)


class UsageEvent(NamedTuple):
    """The parts of a stored event that aggregation reads."""

    external_subscription_id: str
    timestamp: datetime
    ingested_at: datetime
    transaction_id: str
    properties: Mapping[str, PropertyValue]


def event_order(event: UsageEvent) -> tuple[datetime, datetime, str]:
    """Events are ordered by timestamp, then ingested_at, then transaction_id compared by code point (as bytes in
    ClickHouse and SQLite; a PostgreSQL ORDER BY would use the database collation, so stores settle ties here)."""
    return event.timestamp, event.ingested_at, event.transaction_id


def in_event_order(events: Iterable[UsageEvent]) -> Iterator[UsageEvent]:
    """Reorders, by transaction_id, runs of events sharing (timestamp, ingested_at) in a stream already ordered by
    those two, so that only one run is held in memory."""
    run: list[UsageEvent] = []
    for event in events:
        if run and (event.timestamp, event.ingested_at) != (run[0].timestamp, run[0].ingested_at):
            yield from sorted(run, key=event_order)
            run = []
        run.append(event)
    yield from sorted(run, key=event_order)


def exact_number(value: PropertyValue) -> Decimal | None:
    """The exact decimal a property value spells when it is a finite number, else None: booleans, strings not
    matching NUMERIC_STRING (no exponent, no spaces), NaN and infinities are not. A float is the decimal its repr()
    spells (0.1 is 0.1)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str) and NUMERIC_STRING.fullmatch(value):
        number = Decimal(value)
    else:
        return None
    return number if number.is_finite() else None


def parse_number(value: PropertyValue) -> Decimal | None:
    """The value aggregations count: exact_number quantized to 12 decimals half-up, or None when it is not a number
    or its quantized magnitude reaches 10^26 (ingestion's `value_out_of_range`)."""
    number = exact_number(value)
    return None if number is None else counted_number(number)


def counted_number(number: Decimal) -> Decimal | None:
    """A finite exact number as aggregations count it (see parse_number)."""
    if number.adjusted() >= MAX_INTEGER_DIGITS:
        return None  # also keeps quantize() within ARITHMETIC's precision
    quantized = number.quantize(VALUE_QUANTUM, context=ARITHMETIC)
    return quantized if quantized.copy_abs() < VALUE_LIMIT else None  # abs() would round to 28 digits


def property_string(value: PropertyValue) -> str | None:
    """The string a property value is compared as by filters, group_by and unique_count; None when missing.

    Strings are themselves; booleans are "true"/"false" as in JSON; a number is its exact decimal in plain notation
    without trailing fractional zeros (1, 1.0 and 1e0 are all "1"; 1e-7 is "0.0000001"), so that it does not depend
    on how a database re-serialized the JSON.
    """
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        return repr(value)
    return plain_decimal(number)


def plain_decimal(number: Decimal) -> str:
    """A Decimal in plain notation without trailing fractional zeros: 2.50 -> "2.5", 1E+2 -> "100", -0 -> "0"."""
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def is_remove(properties: Mapping[str, PropertyValue]) -> bool:
    """unique_count's operation: "remove" removes, anything else (and no operation_type) adds."""
    return properties.get("operation_type") == "remove"


def matching_filter(properties: Mapping[str, PropertyValue], filters: Sequence[Filter]) -> int | None:
    """The index of the most specific filter the event matches (most keys; ties to the lowest index), else None."""
    best: int | None = None
    for index, conditions in enumerate(filters):
        if best is not None and len(conditions) <= len(filters[best]):
            continue
        if all(property_string(properties.get(key)) in values for key, values in conditions.items()):
            best = index
    return best


def group_of(properties: Mapping[str, PropertyValue], group_by: Sequence[str]) -> Group:
    return tuple((key, property_string(properties.get(key))) for key in group_by)


def round_units(units: Decimal, aggregation: Aggregation) -> Decimal:
    """The rounding function at rounding_precision decimals (default 0); without one, units stay as they are."""
    rounding = ROUNDINGS.get(aggregation.rounding_function)
    if rounding is None:
        return units
    quantum = Decimal(1).scaleb(-(aggregation.rounding_precision or 0))
    return units.quantize(quantum, rounding=rounding, context=ARITHMETIC)


def _recurs(window: SubscriptionWindow, aggregation: Aggregation) -> bool:
    return aggregation.recurring and window.recurring_from is not None


def counting_start(window: SubscriptionWindow, aggregation: Aggregation) -> datetime:
    """Where the counted events begin: recurring metrics (but weighted_sum, which only carries its level) count from
    the subscription's start."""
    if _recurs(window, aggregation) and aggregation.aggregation_type != "weighted_sum_agg":
        return window.recurring_from
    return window.from_datetime


def scan_start(window: SubscriptionWindow, aggregation: Aggregation) -> datetime:
    """Where the events a window needs begin: a recurring weighted_sum also reads the deltas it carries in."""
    if _recurs(window, aggregation) and aggregation.aggregation_type == "weighted_sum_agg":
        return min(window.recurring_from, window.from_datetime)
    return counting_start(window, aggregation)


def seconds_between(start: datetime, end: datetime) -> Decimal:
    return ARITHMETIC.divide(Decimal((end - start) // timedelta(microseconds=1)), MICROSECONDS_PER_SECOND)


def time_weighted_average(weighted: Decimal, window: SubscriptionWindow) -> Decimal:
    """Σ level × seconds divided by the window's seconds, quantized to 12 decimals half-up (0 for an empty window)."""
    seconds = seconds_between(window.from_datetime, window.to_datetime)
    if seconds <= 0:
        return Decimal(0)
    with localcontext(ARITHMETIC):
        return (weighted / seconds).quantize(VALUE_QUANTUM)


class Accumulator(ABC):
    """Units and events_count of one (window, filter, group), fed the window's events in event order."""

    def __init__(self, aggregation: Aggregation, window: SubscriptionWindow):
        self.field_name = aggregation.field_name
        self.window = window
        self.counting_start = counting_start(window, aggregation)
        self.events_count = 0

    def add(self, event: UsageEvent) -> None:
        if event.timestamp >= self.counting_start and self.counts(event):
            self.events_count += 1

    def counts(self, event: UsageEvent) -> bool:
        """Whether the event is one the result counts (called once per event of the counting range)."""
        return True

    @abstractmethod
    def units(self) -> Decimal: ...


class CountAccumulator(Accumulator):
    def units(self) -> Decimal:
        return Decimal(self.events_count)


class NumericAccumulator(Accumulator):
    def counts(self, event: UsageEvent) -> bool:
        value = parse_number(event.properties.get(self.field_name))
        if value is None:
            return False
        self.take(value)
        return True

    @abstractmethod
    def take(self, value: Decimal) -> None: ...


class SumAccumulator(NumericAccumulator):
    total = Decimal(0)

    def take(self, value: Decimal) -> None:
        self.total = ARITHMETIC.add(self.total, value)

    def units(self) -> Decimal:
        return self.total


class MaxAccumulator(NumericAccumulator):
    highest: Decimal | None = None

    def take(self, value: Decimal) -> None:
        self.highest = value if self.highest is None else max(self.highest, value)

    def units(self) -> Decimal:
        return self.highest if self.highest is not None else Decimal(0)


class LatestAccumulator(NumericAccumulator):
    latest = Decimal(0)

    def take(self, value: Decimal) -> None:
        self.latest = value

    def units(self) -> Decimal:
        return max(self.latest, Decimal(0))


class UniqueCountAccumulator(Accumulator):
    def __init__(self, aggregation: Aggregation, window: SubscriptionWindow):
        super().__init__(aggregation, window)
        self.added: dict[str, bool] = {}

    def counts(self, event: UsageEvent) -> bool:
        value = property_string(event.properties.get(self.field_name))
        if value is not None:
            self.added[value] = not is_remove(event.properties)
        return True

    def units(self) -> Decimal:
        return Decimal(sum(self.added.values()))


class WeightedSumAccumulator(Accumulator):
    """Values are deltas of a level; events before the window (recurring only) set the level it starts at."""

    def __init__(self, aggregation: Aggregation, window: SubscriptionWindow):
        super().__init__(aggregation, window)
        self.level = Decimal(0)
        self.level_since = window.from_datetime
        self.weighted = Decimal(0)

    def add(self, event: UsageEvent) -> None:
        value = parse_number(event.properties.get(self.field_name))
        if value is None:
            return
        if event.timestamp >= self.window.from_datetime:
            self._hold_level_until(event.timestamp)
            self.events_count += 1
        self.level = ARITHMETIC.add(self.level, value)

    def _hold_level_until(self, until: datetime) -> None:
        held = ARITHMETIC.multiply(self.level, seconds_between(self.level_since, until))
        self.weighted = ARITHMETIC.add(self.weighted, held)
        self.level_since = until

    def units(self) -> Decimal:
        self._hold_level_until(self.window.to_datetime)
        return time_weighted_average(self.weighted, self.window)


ACCUMULATORS: dict[str, Callable[[Aggregation, SubscriptionWindow], Accumulator]] = {
    "count_agg": CountAccumulator,
    "sum_agg": SumAccumulator,
    "max_agg": MaxAccumulator,
    "latest_agg": LatestAccumulator,
    "unique_count_agg": UniqueCountAccumulator,
    "weighted_sum_agg": WeightedSumAccumulator,
}


def windows_by_subscription(query: UsageQuery) -> dict[str, list[tuple[int, SubscriptionWindow]]]:
    by_subscription: dict[str, list[tuple[int, SubscriptionWindow]]] = {}
    for position, window in enumerate(query.windows):
        by_subscription.setdefault(window.external_subscription_id, []).append((position, window))
    return by_subscription


def routed_events(query: UsageQuery, events: Iterable[UsageEvent]) -> Iterator[tuple[ResultKey, UsageEvent]]:
    """Each event with the result key of every window whose scan range [scan_start, to) holds it."""
    ranges: dict[str, list[tuple[int, datetime, datetime]]] = {}
    for position, window in enumerate(query.windows):
        ranges.setdefault(window.external_subscription_id, []).append(
            (position, scan_start(window, query.aggregation), window.to_datetime)
        )
    for event in events:
        positions = [
            position
            for position, start, end in ranges.get(event.external_subscription_id, ())
            if start <= event.timestamp < end
        ]
        if positions:
            filter_index = matching_filter(event.properties, query.filters)
            group = group_of(event.properties, query.group_by)
            for position in positions:
                yield (position, filter_index, group), event


def aggregate_events(query: UsageQuery, events: Iterable[UsageEvent]) -> list[UsageResult]:
    """The query's results from its events (others are skipped), given in event order per subscription."""
    accumulators: dict[ResultKey, Accumulator] = {}
    make = ACCUMULATORS[query.aggregation.aggregation_type]
    for key, event in routed_events(query, events):
        accumulator = accumulators.get(key)
        if accumulator is None:
            accumulator = accumulators[key] = make(query.aggregation, query.windows[key[0]])
        accumulator.add(event)
    return assemble_results(query, {key: (acc.units(), acc.events_count) for key, acc in accumulators.items()})


def event_values_from(query: UsageQuery, events: Iterable[UsageEvent]) -> list[tuple[str, int | None, Decimal]]:
    """(external_subscription_id, filter_index, value) per event the results count, in event order per window;
    count and unique_count events are worth 1. Sorted by subscription then window position."""
    aggregation = query.aggregation
    numeric = aggregation.aggregation_type in NUMERIC_AGGREGATIONS
    values: list[tuple[int, str, int | None, Decimal]] = []
    for (position, filter_index, _group), event in routed_events(query, events):
        window = query.windows[position]
        if event.timestamp < counting_start(window, aggregation):
            continue
        value = parse_number(event.properties.get(aggregation.field_name)) if numeric else Decimal(1)
        if value is not None:
            values.append((position, window.external_subscription_id, filter_index, value))
    values.sort(key=lambda item: (item[1], item[0]))
    return [(subscription, filter_index, value) for _position, subscription, filter_index, value in values]


def result_order(result: UsageResult) -> tuple:
    """(subscription, filter_index with None first, group with a missing value first)."""
    filter_order = (-1 if result.filter_index is None else result.filter_index,)
    group_order = tuple((key, value is not None, value or "") for key, value in result.group)
    return result.external_subscription_id, filter_order, group_order


def assemble_results(query: UsageQuery, measured: Mapping[ResultKey, tuple[Decimal, int]]) -> list[UsageResult]:
    """Rounded, zero-filled, sorted results from the measured (unrounded units, events_count) per result key.

    Every window gets its default result and one per filter without a group, zero when nothing was measured;
    grouped results appear as measured. A key may be measured with no counted event (a group whose events all had
    non-numeric values, or a recurring weighted_sum carrying a level): it still appears.
    """
    keys = dict.fromkeys(
        (position, filter_index, ())
        for position in range(len(query.windows))
        for filter_index in (None, *range(len(query.filters)))
    )
    keys.update(dict.fromkeys(measured))
    results = []
    for position, filter_index, group in keys:
        units, events_count = measured.get((position, filter_index, group), (Decimal(0), 0))
        results.append(
            UsageResult(
                external_subscription_id=query.windows[position].external_subscription_id,
                units=round_units(units, query.aggregation),
                events_count=events_count,
                filter_index=filter_index,
                group=group,
            )
        )
    return sorted(results, key=result_order)

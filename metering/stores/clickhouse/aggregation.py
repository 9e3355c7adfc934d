"""Usage aggregation in ClickHouse, with results identical to the SQL store's.

count, sum and max without filters or groups read the hourly rollups for the hours wholly inside each window and
raw events for the partial hours at its edges, in one query per chunk of subscriptions; unique_count likewise reads
hourly event and remove counts and the distinct values of full days in one query, and where values were removed (a
distinct-value rollup cannot take one back out) a second query finds each value's last operation in raw events.
The rollups hold every property, so a metric whose field_name changed is still answered from them. A sum that could
have overflowed Decimal(38, 12) (ClickHouse wraps around silently) is recomputed from raw events in Python. latest,
weighted_sum, filters and groups read raw events (deduplicated and ordered by ClickHouse) through metering.usage's
accumulators.

Every aggregation first flushes the organization's pending inbox rows, waiting for rows another flusher holds, so
that results include every acknowledged event; aggregate_many_started flushes once for all its queries, then runs
them side by side (metering.stores.clickhouse.concurrency) when the transport allows it.
"""

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import NamedTuple
from uuid import UUID

from metering.stores.base import UsageQuery, UsageResult
from metering.stores.clickhouse.concurrency import started
from metering.stores.clickhouse.ddl import MICROSECONDS_PER_DAY, MICROSECONDS_PER_HOUR
from metering.stores.clickhouse.queries import (
    DAILY_PREFIX,
    HOURLY_PREFIX,
    RAW_EVENTS,
    ROLLUP_EVENTS,
    ROLLUP_NUMBERS,
    ROLLUP_UNIQUE_EVENTS,
    ROLLUP_UNIQUE_HEAD,
    ROLLUP_UNIQUE_VALUES,
    UNIQUE_WITH_REMOVES,
    rollup_query,
)
from metering.stores.clickhouse.timestamps import from_microseconds, microseconds
from metering.stores.clickhouse.transport import Transport
from metering.usage import (
    ACCUMULATORS,
    ARITHMETIC,
    VALUE_LIMIT,
    VALUE_QUANTUM,
    Accumulator,
    ResultKey,
    UsageEvent,
    assemble_results,
    counting_start,
    event_values_from,
    in_event_order,
    routed_events,
    scan_start,
    windows_by_subscription,
)

ROLLED_UP = frozenset({"count_agg", "sum_agg", "max_agg", "unique_count_agg"})
# Windows travel as literals: bound each query's size (and 18.16's parser) by chunking subscriptions.
SUBSCRIPTIONS_PER_QUERY = 1000

Measures = dict[ResultKey, tuple[Decimal, int]]
# A window's (units, events_count) from the rollups, or None when only raw events can answer it exactly.
RolledUp = tuple[int, tuple[Decimal, int] | None]


class ClickHouseUsageAggregation:
    transport: Transport
    flush_for_reading: Callable[[UUID], None]

    def aggregate(self, query: UsageQuery) -> list[UsageResult]:
        return self.aggregate_many_started([query])()[0]

    def aggregate_many_started(self, queries: Sequence[UsageQuery]) -> Callable[[], list[list[UsageResult]]]:
        for organization_id in dict.fromkeys(query.organization_id for query in queries):
            self.flush_for_reading(organization_id)
        return started(self._aggregate_flushed, queries, concurrently=self.transport.concurrent)

    def _aggregate_flushed(self, query: UsageQuery) -> list[UsageResult]:
        everything = range(len(query.windows))
        if query.aggregation.aggregation_type in ROLLED_UP and not query.filters and not query.group_by:
            measured = self._rollup_measures(query)
        else:
            measured = _measures(query, self._raw_events(query, everything), everything)
        return assemble_results(query, measured)

    def event_values(self, query: UsageQuery) -> list[tuple[str, int | None, Decimal]]:
        self.flush_for_reading(query.organization_id)
        return event_values_from(query, self._raw_events(query, range(len(query.windows))))

    def _rollup_measures(self, query: UsageQuery) -> Measures:
        """Measures from the rollups; windows they cannot answer exactly are measured from raw events."""
        measure = {
            "count_agg": self._rolled_up_counts,
            "sum_agg": self._rolled_up_numbers,
            "max_agg": self._rolled_up_numbers,
            "unique_count_agg": self._rolled_up_distinct_values,
        }[query.aggregation.aggregation_type]
        measured: Measures = {}
        recompute: list[int] = []
        for positions in _chunks(query):
            for position, units_and_count in measure(query, positions):
                if units_and_count is None:
                    recompute.append(position)
                else:
                    measured[position, None, ()] = units_and_count
        if recompute:
            measured.update(_measures(query, self._raw_events(query, recompute), recompute))
        return measured

    def _rolled_up_counts(self, query: UsageQuery, positions: Sequence[int]) -> Iterator[RolledUp]:
        parameters, hourly = _hourly_parameters(query, positions)
        sql = rollup_query(ROLLUP_EVENTS.head, ROLLUP_EVENTS.wanted(**hourly), one_window=len(positions) == 1)
        for position, events, _removes in self._rows(sql, parameters):
            yield position, (Decimal(events), int(events))

    def _rolled_up_numbers(self, query: UsageQuery, positions: Sequence[int]) -> Iterator[RolledUp]:
        parameters, hourly = _hourly_parameters(query, positions)
        sql = rollup_query(ROLLUP_NUMBERS.head, ROLLUP_NUMBERS.wanted(**hourly), one_window=len(positions) == 1)
        summing = query.aggregation.aggregation_type == "sum_agg"
        for position, numeric_events, total, highest, lowest in self._rows(sql, parameters):
            if summing and _may_overflow(numeric_events, highest, lowest):
                yield position, None
            else:
                yield position, (_decimal(total if summing else highest), int(numeric_events))

    def _rolled_up_distinct_values(self, query: UsageQuery, positions: Sequence[int]) -> Iterator[RolledUp]:
        hourly_parameters, hourly = _hourly_parameters(query, positions)
        daily_parameters, daily = _bucketed_windows(
            query, positions, bucket_us=MICROSECONDS_PER_DAY, prefix=DAILY_PREFIX
        )
        parts = ROLLUP_UNIQUE_EVENTS.wanted(**hourly) + ROLLUP_UNIQUE_VALUES.wanted(**daily)
        sql = rollup_query(ROLLUP_UNIQUE_HEAD, parts, one_window=len(positions) == 1)
        with_removes: dict[int, int] = {}
        for position, events, removes, distinct in self._rows(sql, {**hourly_parameters, **daily_parameters}):
            if removes:
                with_removes[position] = int(events)
            else:
                yield position, (Decimal(distinct), int(events))
        if with_removes:
            added = self._distinct_values_with_removes(query, list(with_removes))
            for position, events in with_removes.items():
                yield position, (Decimal(added.get(position, 0)), events)

    def _distinct_values_with_removes(self, query: UsageQuery, positions: Sequence[int]) -> dict[int, int]:
        parameters, _coverage = _hourly_parameters(query, positions)
        parameters["scan_from"] = parameters[f"{HOURLY_PREFIX}left_band_from"]
        parameters["scan_to"] = parameters[f"{HOURLY_PREFIX}right_band_to"]
        return {
            position: int(distinct) for position, distinct in self.transport.execute(UNIQUE_WITH_REMOVES, parameters)
        }

    def _rows(self, sql: str | None, parameters: dict) -> list[tuple]:
        return self.transport.execute(sql, parameters) if sql is not None else []

    def _raw_events(self, query: UsageQuery, positions: Iterable[int]) -> Iterator[UsageEvent]:
        """The events the windows at `positions` need, in event order per subscription."""
        wanted = set(positions)
        for chunk in _chunks(query):
            ranges = [
                (
                    query.windows[position].external_subscription_id,
                    microseconds(scan_start(query.windows[position], query.aggregation)),
                    microseconds(query.windows[position].to_datetime),
                )
                for position in chunk
                if position in wanted
            ]
            if not ranges:
                continue
            parameters = {
                **_of_query(query, {subscription for subscription, _start, _end in ranges}),
                "range_subscriptions": [subscription for subscription, _start, _end in ranges],
                "range_starts": [start for _subscription, start, _end in ranges],
                "range_ends": [end for _subscription, _start, end in ranges],
                "scan_from": min(start for _subscription, start, _end in ranges),
                "scan_to": max(end for _subscription, _start, end in ranges),
            }
            rows = self.transport.iterate(RAW_EVENTS, parameters)
            yield from in_event_order(
                UsageEvent(
                    external_subscription_id=subscription,
                    timestamp=from_microseconds(timestamp),
                    ingested_at=from_microseconds(ingested_at),
                    transaction_id=transaction_id,
                    properties=json.loads(properties),
                )
                for subscription, timestamp, ingested_at, transaction_id, properties in rows
            )


def _decimal(value) -> Decimal:
    """A Decimal column's value (a Decimal from the driver, a string from chdb) at the stores' 12 decimals."""
    return Decimal(str(value)).quantize(VALUE_QUANTUM, context=ARITHMETIC)


def _may_overflow(numeric_events: int, highest, lowest) -> bool:
    """Whether a Decimal(38, 12) sum of these values could have wrapped around (ClickHouse does not check): it
    cannot when count x largest magnitude stays under 10^26."""
    magnitude = max(_decimal(highest).copy_abs(), _decimal(lowest).copy_abs())  # abs() rounds to 28 digits
    return ARITHMETIC.multiply(Decimal(int(numeric_events)), magnitude) >= VALUE_LIMIT


def _measures(query: UsageQuery, events: Iterable[UsageEvent], positions: Iterable[int]) -> Measures:
    """(unrounded units, events_count) per result key of the windows at `positions`, from their events."""
    wanted = set(positions)
    make = ACCUMULATORS[query.aggregation.aggregation_type]
    accumulators: dict[ResultKey, Accumulator] = {}
    for key, event in routed_events(query, events):
        if key[0] not in wanted:
            continue
        accumulator = accumulators.get(key)
        if accumulator is None:
            accumulator = accumulators[key] = make(query.aggregation, query.windows[key[0]])
        accumulator.add(event)
    return {key: (accumulator.units(), accumulator.events_count) for key, accumulator in accumulators.items()}


def _chunks(query: UsageQuery) -> Iterator[list[int]]:
    """Window positions in chunks holding every window of SUBSCRIPTIONS_PER_QUERY subscriptions."""
    chunk: list[int] = []
    subscriptions = 0
    for windows in windows_by_subscription(query).values():
        if subscriptions == SUBSCRIPTIONS_PER_QUERY:
            yield chunk
            chunk, subscriptions = [], 0
        chunk.extend(position for position, _window in windows)
        subscriptions += 1
    if chunk:
        yield chunk


def _of_query(query: UsageQuery, subscriptions: Iterable[str]) -> dict:
    return {
        "organization_id": str(query.organization_id),
        "code": query.code,
        "subscriptions": tuple(sorted(subscriptions)),
    }


class _WindowSplit(NamedTuple):
    """A window's counting range [start, end) in microseconds, and the rollup buckets [first, end) wholly inside it
    ((0, 0) when none is)."""

    position: int
    external_subscription_id: str
    start: int
    end: int
    first_full_bucket: int
    end_full_bucket: int

    @property
    def has_full_buckets(self) -> bool:
        return self.first_full_bucket < self.end_full_bucket

    def has_edges(self, bucket_us: int) -> bool:
        """Whether part of the window lies outside its full buckets."""
        if not self.has_full_buckets:
            return self.start < self.end
        return self.start < self.first_full_bucket * bucket_us or self.end_full_bucket * bucket_us < self.end


def _split(query: UsageQuery, position: int, bucket_us: int) -> _WindowSplit:
    window = query.windows[position]
    start = microseconds(counting_start(window, query.aggregation))
    end = microseconds(window.to_datetime)
    first_full_bucket, end_full_bucket = -(-start // bucket_us), end // bucket_us
    if first_full_bucket >= end_full_bucket:
        first_full_bucket = end_full_bucket = 0
    return _WindowSplit(position, window.external_subscription_id, start, end, first_full_bucket, end_full_bucket)


def _hourly_parameters(query: UsageQuery, positions: Sequence[int]) -> tuple[dict, dict[str, bool]]:
    windows, coverage = _bucketed_windows(query, positions, bucket_us=MICROSECONDS_PER_HOUR, prefix=HOURLY_PREFIX)
    subscriptions = {query.windows[position].external_subscription_id for position in positions}
    return {**_of_query(query, subscriptions), "field": query.aggregation.field_name, **windows}, coverage


def _bucketed_windows(
    query: UsageQuery, positions: Sequence[int], *, bucket_us: int, prefix: str
) -> tuple[dict, dict[str, bool]]:
    """The windows split into full buckets (from the rollups) and edges (from raw events), and the two bands of
    time holding every window's edges, as parameters named with `prefix`; and which of the two any window has
    (`full_buckets`, `edges`), so that a query reads only those."""
    splits = [_split(query, position, bucket_us) for position in positions]
    with_full_buckets = [split for split in splits if split.has_full_buckets]
    parameters = {
        "positions": [split.position for split in splits],
        "window_subscriptions": [split.external_subscription_id for split in splits],
        "starts": [split.start for split in splits],
        "ends": [split.end for split in splits],
        "first_full_buckets": [split.first_full_bucket for split in splits],
        "end_full_buckets": [split.end_full_bucket for split in splits],
        "bucket_us": bucket_us,
        "buckets_from": min((split.first_full_bucket for split in with_full_buckets), default=0),
        "buckets_to": max((split.end_full_bucket for split in with_full_buckets), default=0),
        "left_band_from": min(split.start for split in splits),
        "left_band_to": max(
            split.first_full_bucket * bucket_us if split.has_full_buckets else split.end for split in splits
        ),
        "right_band_from": min(
            split.end_full_bucket * bucket_us if split.has_full_buckets else split.start for split in splits
        ),
        "right_band_to": max(split.end for split in splits),
    }
    if len(splits) == 1:
        (split,) = splits
        parameters.update(
            one_position=split.position,
            one_subscription=split.external_subscription_id,
            one_start=split.start,
            one_end=split.end,
            one_first_full_bucket=split.first_full_bucket,
            one_end_full_bucket=split.end_full_bucket,
        )
    coverage = {
        "full_buckets": bool(with_full_buckets),
        "edges": any(split.has_edges(bucket_us) for split in splits),
    }
    return {prefix + name: value for name, value in parameters.items()}, coverage

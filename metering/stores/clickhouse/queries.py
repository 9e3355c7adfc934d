"""The usage queries, as constants: every value is a `%(name)s` parameter, and the only fragments formatted in are
the constants below. Each query answers many windows at once: the windows travel as parallel array literals of plain
values (one per column), ARRAY JOINed into a relation that the events or rollups join by subscription. Not as an
array of tuples: 18.16 parses a literal array of tuples element by element, about twenty times slower (a quarter of
a second for 200 windows).

Rollup queries add the buckets (hours, or days for distinct values) wholly inside a window, from the rollups, to the
partial buckets at its edges, from raw events. Raw events are deduplicated at query time (LIMIT 1 BY), since
ReplacingMergeTree merges are eventual.
"""

from typing import NamedTuple

from metering.stores.clickhouse.ddl import (
    DAYS_PER_BLOCK,
    EVENTS_TABLE,
    HOURLY_EVENTS_TABLE,
    HOURLY_NUMBERS_TABLE,
    VALUE_DAYS_TABLE,
)

_OF_QUERY = """
organization_id = %(organization_id)s
AND code = %(code)s
AND external_subscription_id IN %(subscriptions)s
"""

_IN_FULL_BUCKETS = "bucket >= first_full_bucket AND bucket < end_full_bucket"

_DEDUPLICATED = "LIMIT 1 BY external_subscription_id, transaction_id"


class _Windowed(NamedTuple):
    """The fragments joining windows with one kind of bucket (hours or days), whose parameters carry `prefix`:
    %(positions)s, %(window_subscriptions)s, %(starts)s, %(ends)s, %(first_full_buckets)s, %(end_full_buckets)s: one
    array per column of the windows, the full buckets being [first_full_bucket, end_full_bucket) (none when equal),
    or for a single window %(one_position)s ... %(one_end_full_bucket)s; %(bucket_us)s: a bucket's length; the
    bucket range and the two bands of time holding every window's partial buckets, which bound the scans by primary
    key.

    `windows` is a placeholder in the parts, filled by rollup_query with `many_windows` (the arrays, ARRAY JOINed)
    or `one_window` (a row of constants): 18.16 plans the constant row in half the time, and current usage asks
    about one window."""

    windows: str
    many_windows: str
    one_window: str
    rollup_buckets: str
    edge_bands: str
    in_edges: str


def _windowed(prefix: str) -> _Windowed:
    return _Windowed(
        windows="{" + prefix + "windows}",
        many_windows=f"""
SELECT
    toUInt32(window_position) AS position,
    toString(window_subscription) AS external_subscription_id,
    toInt64(window_start_us) AS window_start,
    toInt64(window_end_us) AS window_end,
    toInt64(window_first_full_bucket) AS first_full_bucket,
    toInt64(window_end_full_bucket) AS end_full_bucket
FROM (
    SELECT
        %({prefix}positions)s AS positions,
        %({prefix}window_subscriptions)s AS subscriptions,
        %({prefix}starts)s AS starts,
        %({prefix}ends)s AS ends,
        %({prefix}first_full_buckets)s AS first_full_buckets,
        %({prefix}end_full_buckets)s AS end_full_buckets
)
ARRAY JOIN
    positions AS window_position,
    subscriptions AS window_subscription,
    starts AS window_start_us,
    ends AS window_end_us,
    first_full_buckets AS window_first_full_bucket,
    end_full_buckets AS window_end_full_bucket
""",
        one_window=f"""
SELECT
    toUInt32(%({prefix}one_position)s) AS position,
    toString(%({prefix}one_subscription)s) AS external_subscription_id,
    toInt64(%({prefix}one_start)s) AS window_start,
    toInt64(%({prefix}one_end)s) AS window_end,
    toInt64(%({prefix}one_first_full_bucket)s) AS first_full_bucket,
    toInt64(%({prefix}one_end_full_bucket)s) AS end_full_bucket
""",
        rollup_buckets=f"""
{_OF_QUERY}
AND bucket >= %({prefix}buckets_from)s AND bucket < %({prefix}buckets_to)s
""",
        edge_bands=f"""
{_OF_QUERY}
AND ((timestamp_us >= %({prefix}left_band_from)s AND timestamp_us < %({prefix}left_band_to)s)
     OR (timestamp_us >= %({prefix}right_band_from)s AND timestamp_us < %({prefix}right_band_to)s))
""",
        in_edges=f"""
timestamp_us >= window_start AND timestamp_us < window_end
AND NOT (timestamp_us >= first_full_bucket * %({prefix}bucket_us)s
         AND timestamp_us < end_full_bucket * %({prefix}bucket_us)s)
""",
    )


ALL_DAYS = 2**DAYS_PER_BLOCK - 1
HOURLY_PREFIX = "hourly_"
DAILY_PREFIX = "daily_"
_HOURLY = _windowed(HOURLY_PREFIX)
_DAILY = _windowed(DAILY_PREFIX)


# The parts of the rollup queries: each gives rows of the same columns per window position, from the full buckets
# (rollups) or from the partial buckets at the windows' edges (raw events). A query sums the parts it needs: a part
# whose buckets no window has is left out, which spares 18.16 its planning and the scan of the events table (periods
# starting and ending on the hour, the common case, have no hourly edges).
class RollupParts(NamedTuple):
    head: str
    full_buckets: str
    edges: str

    def wanted(self, *, full_buckets: bool, edges: bool) -> list[str]:
        return [part for part, wanted in ((self.full_buckets, full_buckets), (self.edges, edges)) if wanted]


def rollup_query(head: str, parts: list[str], *, one_window: bool) -> str | None:
    """The query summing `parts` under `head`, or None when there is none (empty windows: nothing to measure);
    one_window: the windows are the single window's constants, not arrays."""
    if not parts:
        return None
    windows = {
        windowed.windows.strip("{}"): windowed.one_window if one_window else windowed.many_windows
        for windowed in (_HOURLY, _DAILY)
    }
    return head.format(parts="    UNION ALL".join(part.format(**windows) for part in parts))


def _events_parts(head: str, extra_columns: str = "") -> RollupParts:
    """Events and removes per window from the hourly rollup and hourly edges; `extra_columns` gives the columns
    these parts do not measure when they are summed beside others."""
    return RollupParts(
        head=head,
        full_buckets=f"""
    SELECT position, countMerge(events) AS counted, sumMerge(removes) AS removed{extra_columns}
    FROM (
        SELECT external_subscription_id, hour AS bucket, events, removes
        FROM {HOURLY_EVENTS_TABLE}
        WHERE {_HOURLY.rollup_buckets}
    ) AS measured
    ALL INNER JOIN ({_HOURLY.windows}) AS windows USING external_subscription_id
    WHERE {_IN_FULL_BUCKETS}
    GROUP BY position
""",
        edges=f"""
    SELECT position, count() AS counted, sum(toUInt64(is_remove)) AS removed{extra_columns}
    FROM (
        SELECT external_subscription_id, transaction_id, timestamp_us, is_remove
        FROM {EVENTS_TABLE}
        WHERE {_HOURLY.edge_bands}
        {_DEDUPLICATED}
    ) AS measured
    ALL INNER JOIN ({_HOURLY.windows}) AS windows USING external_subscription_id
    WHERE {_HOURLY.in_edges}
    GROUP BY position
""",
    )


# (position, events, removes) per window with events.
ROLLUP_EVENTS = _events_parts(
    """
SELECT position, toUInt64(sum(counted)) AS events, toUInt64(sum(removed)) AS removes
FROM ({parts})
GROUP BY position
"""
)

# (position, numeric events, sum, max, min) per window with numeric values of %(field)s.
ROLLUP_NUMBERS = RollupParts(
    head="""
SELECT
    position,
    toUInt64(countMerge(counted)) AS numeric_events,
    sumMerge(summed) AS total,
    maxMerge(highest_value) AS highest,
    minMerge(lowest_value) AS lowest
FROM ({parts})
GROUP BY position
""",
    full_buckets=f"""
    SELECT
        position,
        countMergeState(numeric_events) AS counted,
        sumMergeState(total) AS summed,
        maxMergeState(highest) AS highest_value,
        minMergeState(lowest) AS lowest_value
    FROM (
        SELECT external_subscription_id, hour AS bucket, numeric_events, total, highest, lowest
        FROM {HOURLY_NUMBERS_TABLE}
        WHERE field = %(field)s AND {_HOURLY.rollup_buckets}
    ) AS measured
    ALL INNER JOIN ({_HOURLY.windows}) AS windows USING external_subscription_id
    WHERE {_IN_FULL_BUCKETS}
    GROUP BY position
""",
    edges=f"""
    SELECT
        position,
        countState() AS counted,
        sumState(value) AS summed,
        maxState(value) AS highest_value,
        minState(value) AS lowest_value
    FROM (
        SELECT
            external_subscription_id,
            transaction_id,
            timestamp_us,
            numeric_values[indexOf(numeric_keys, %(field)s)] AS value
        FROM {EVENTS_TABLE}
        WHERE has(numeric_keys, %(field)s) AND {_HOURLY.edge_bands}
        {_DEDUPLICATED}
    ) AS measured
    ALL INNER JOIN ({_HOURLY.windows}) AS windows USING external_subscription_id
    WHERE {_HOURLY.in_edges}
    GROUP BY position
""",
)

# (position, distinct values of %(field)s) per window with values: from the value-days rollup (full days) and daily
# edges. The
# unique_count query is ROLLUP_EVENTS's parts (events and removes, hourly) beside these (distinct values, daily),
# each part giving a neutral value (0, or an empty distinct-value state) to the columns it does not measure.
_NO_DISTINCT_VALUES = "arrayReduce('uniqExactState', emptyArrayString())"
ROLLUP_UNIQUE_HEAD = """
SELECT
    position,
    toUInt64(sum(counted)) AS events,
    toUInt64(sum(removed)) AS removes,
    toUInt64(uniqExactMerge(distinct_state)) AS distinct_values
FROM ({parts})
GROUP BY position
"""
ROLLUP_UNIQUE_EVENTS = _events_parts(ROLLUP_UNIQUE_HEAD, f", {_NO_DISTINCT_VALUES} AS distinct_state")
# A window's full days inside a block of the value-days rollup, as a bitmask: bits [low_day, high_day), where the
# shifts are clamped to 0-63 because ClickHouse evaluates them on rows the WHERE clause then drops.
_WINDOW_DAYS = f"""
    greatest(first_full_bucket - block * {DAYS_PER_BLOCK}, 0) AS low_day,
    least(end_full_bucket - block * {DAYS_PER_BLOCK}, {DAYS_PER_BLOCK}) AS high_day,
    bitShiftLeft(
        bitShiftRight(toUInt64({ALL_DAYS}), toUInt64(least(greatest({DAYS_PER_BLOCK} - (high_day - low_day), 0), 63))),
        toUInt64(least(low_day, 63))
    ) AS window_days
"""
ROLLUP_UNIQUE_VALUES = RollupParts(
    head=ROLLUP_UNIQUE_HEAD,
    full_buckets=f"""
    SELECT position, toUInt64(0) AS counted, toUInt64(0) AS removed, uniqExactState(value) AS distinct_state
    FROM (
        SELECT position, value, days_seen, {_WINDOW_DAYS}
        FROM (
            SELECT external_subscription_id, block, value, groupBitOrMerge(days) AS days_seen
            FROM {VALUE_DAYS_TABLE}
            WHERE field = %(field)s AND {_OF_QUERY}
              AND block >= intDiv(%({DAILY_PREFIX}buckets_from)s, {DAYS_PER_BLOCK})
              AND block <= intDiv(%({DAILY_PREFIX}buckets_to)s - 1, {DAYS_PER_BLOCK})
            GROUP BY external_subscription_id, block, value
        ) AS measured
        ALL INNER JOIN ({_DAILY.windows}) AS windows USING external_subscription_id
    )
    WHERE high_day > low_day AND bitAnd(days_seen, window_days) != 0
    GROUP BY position
""",
    edges=f"""
    SELECT position, toUInt64(0) AS counted, toUInt64(0) AS removed, uniqExactState(value) AS distinct_state
    FROM (
        SELECT
            external_subscription_id,
            transaction_id,
            timestamp_us,
            property_values[indexOf(property_keys, %(field)s)] AS value
        FROM {EVENTS_TABLE}
        WHERE has(property_keys, %(field)s) AND {_DAILY.edge_bands}
        {_DEDUPLICATED}
    ) AS measured
    ALL INNER JOIN ({_DAILY.windows}) AS windows USING external_subscription_id
    WHERE {_DAILY.in_edges}
    GROUP BY position
""",
)


# (position, distinct values) per window where values are also removed: a value counts when its last event in the
# window (in event order: timestamp, ingested_at, transaction_id) adds it. No rollup can take a value back out, so
# this reads raw events, but ClickHouse does the work: a value's last operation is an argMax, not a Python loop.
UNIQUE_WITH_REMOVES = f"""
SELECT position, toUInt64(countIf(last_removes = 0)) AS distinct_values
FROM (
    SELECT position, value, argMax(is_remove, (timestamp_us, ingested_at_us, transaction_id)) AS last_removes
    FROM (
        SELECT
            external_subscription_id,
            transaction_id,
            timestamp_us,
            ingested_at_us,
            is_remove,
            property_values[indexOf(property_keys, %(field)s)] AS value
        FROM {EVENTS_TABLE}
        WHERE has(property_keys, %(field)s) AND {_OF_QUERY}
          AND timestamp_us >= %(scan_from)s AND timestamp_us < %(scan_to)s
        {_DEDUPLICATED}
    ) AS measured
    ALL INNER JOIN ({_HOURLY.windows}) AS windows USING external_subscription_id
    WHERE timestamp_us >= window_start AND timestamp_us < window_end
    GROUP BY position, value
)
GROUP BY position
""".format(hourly_windows=_HOURLY.many_windows)

# %(range_subscriptions)s, %(range_starts)s, %(range_ends)s (one array per column): the events each subscription's
# windows need, once each, in event order per subscription (transaction_id compared as bytes, i.e. by code point).
RAW_EVENTS = f"""
SELECT external_subscription_id, timestamp_us, ingested_at_us, transaction_id, properties
FROM (
    SELECT external_subscription_id, timestamp_us, ingested_at_us, transaction_id, properties
    FROM {EVENTS_TABLE}
    WHERE {_OF_QUERY}
      AND timestamp_us >= %(scan_from)s AND timestamp_us < %(scan_to)s
) AS stored
ALL INNER JOIN (
    SELECT
        toString(range_subscription) AS external_subscription_id,
        toInt64(range_start_us) AS range_start,
        toInt64(range_end_us) AS range_end
    FROM (
        SELECT %(range_subscriptions)s AS subscriptions, %(range_starts)s AS starts, %(range_ends)s AS ends
    )
    ARRAY JOIN subscriptions AS range_subscription, starts AS range_start_us, ends AS range_end_us
) AS ranges USING external_subscription_id
WHERE timestamp_us >= range_start AND timestamp_us < range_end
ORDER BY external_subscription_id, timestamp_us, ingested_at_us, transaction_id
{_DEDUPLICATED}
"""

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
    DAILY_DISTINCT_TABLE,
    EVENTS_TABLE,
    HOURLY_EVENTS_TABLE,
    HOURLY_NUMBERS_TABLE,
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
    array per column of the windows, the full buckets being [first_full_bucket, end_full_bucket) (none when equal);
    %(bucket_us)s: a bucket's length; the bucket range
    and the two bands of time holding every window's partial buckets, which bound the scans by primary key."""

    windows: str
    rollup_buckets: str
    edge_bands: str
    in_edges: str


def _windowed(prefix: str) -> _Windowed:
    return _Windowed(
        windows=f"""
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


HOURLY_PREFIX = "hourly_"
DAILY_PREFIX = "daily_"
_HOURLY = _windowed(HOURLY_PREFIX)
_DAILY = _windowed(DAILY_PREFIX)

# (position, events, removes) per window with events.
ROLLUP_EVENTS = f"""
SELECT position, toUInt64(sum(counted)) AS events, toUInt64(sum(removed)) AS removes
FROM (
    SELECT position, countMerge(events) AS counted, sumMerge(removes) AS removed
    FROM (
        SELECT external_subscription_id, hour AS bucket, events, removes
        FROM {HOURLY_EVENTS_TABLE}
        WHERE {_HOURLY.rollup_buckets}
    ) AS measured
    ALL INNER JOIN ({_HOURLY.windows}) AS windows USING external_subscription_id
    WHERE {_IN_FULL_BUCKETS}
    GROUP BY position
    UNION ALL
    SELECT position, count() AS counted, sum(toUInt64(is_remove)) AS removed
    FROM (
        SELECT external_subscription_id, transaction_id, timestamp_us, is_remove
        FROM {EVENTS_TABLE}
        WHERE {_HOURLY.edge_bands}
        {_DEDUPLICATED}
    ) AS measured
    ALL INNER JOIN ({_HOURLY.windows}) AS windows USING external_subscription_id
    WHERE {_HOURLY.in_edges}
    GROUP BY position
)
GROUP BY position
"""

# (position, numeric events, sum, max, min) per window with numeric values of %(field)s.
ROLLUP_NUMBERS = f"""
SELECT
    position,
    toUInt64(countMerge(counted)) AS numeric_events,
    sumMerge(summed) AS total,
    maxMerge(highest_value) AS highest,
    minMerge(lowest_value) AS lowest
FROM (
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
    UNION ALL
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
)
GROUP BY position
"""

# (position, events, removes, distinct values of %(field)s) per window with events: events and removes from the
# hourly rollup and hourly edges, distinct values from the daily rollup and daily edges, in one query. A part that
# does not measure a column gives it a neutral value (0, or an empty distinct-value state).
_NO_DISTINCT_VALUES = "arrayReduce('uniqExactState', emptyArrayString())"
ROLLUP_UNIQUE = f"""
SELECT
    position,
    toUInt64(sum(counted)) AS events,
    toUInt64(sum(removed)) AS removes,
    toUInt64(uniqExactMerge(distinct_state)) AS distinct_values
FROM (
    SELECT
        position,
        countMerge(events) AS counted,
        sumMerge(removes) AS removed,
        {_NO_DISTINCT_VALUES} AS distinct_state
    FROM (
        SELECT external_subscription_id, hour AS bucket, events, removes
        FROM {HOURLY_EVENTS_TABLE}
        WHERE {_HOURLY.rollup_buckets}
    ) AS measured
    ALL INNER JOIN ({_HOURLY.windows}) AS windows USING external_subscription_id
    WHERE {_IN_FULL_BUCKETS}
    GROUP BY position
    UNION ALL
    SELECT
        position,
        count() AS counted,
        sum(toUInt64(is_remove)) AS removed,
        {_NO_DISTINCT_VALUES} AS distinct_state
    FROM (
        SELECT external_subscription_id, transaction_id, timestamp_us, is_remove
        FROM {EVENTS_TABLE}
        WHERE {_HOURLY.edge_bands}
        {_DEDUPLICATED}
    ) AS measured
    ALL INNER JOIN ({_HOURLY.windows}) AS windows USING external_subscription_id
    WHERE {_HOURLY.in_edges}
    GROUP BY position
    UNION ALL
    SELECT
        position,
        toUInt64(0) AS counted,
        toUInt64(0) AS removed,
        uniqExactMergeState(distinct_values) AS distinct_state
    FROM (
        SELECT external_subscription_id, day AS bucket, distinct_values
        FROM {DAILY_DISTINCT_TABLE}
        WHERE field = %(field)s AND {_DAILY.rollup_buckets}
    ) AS measured
    ALL INNER JOIN ({_DAILY.windows}) AS windows USING external_subscription_id
    WHERE {_IN_FULL_BUCKETS}
    GROUP BY position
    UNION ALL
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
)
GROUP BY position
"""

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

"""The ClickHouse schema as named, ordered migrations; `clickhouse_migrate` applies the ones not yet recorded.

Every statement is idempotent (IF NOT EXISTS), so a migration interrupted half-way is simply applied again.
The SQL runs on 18.16 (no DateTime64, Map, JSON functions, TTL or codecs) and on modern ClickHouse.

Times are Int64 microseconds since the epoch, so window edges are exact to the microsecond like the SQL store's.
Properties are kept three ways: the raw JSON (the raw path decodes it), parallel arrays of keys and comparison
strings (metering.usage.property_string), and parallel arrays of the keys and Decimal(38, 12) values of the numeric
ones (metering.usage.parse_number), all computed by the flusher in Python so that they agree with the SQL store.

The rollups are kept by materialized views on every insert into `events`: counts, sums, maxima and minima per hour
(small states, so short raw edges), distinct values per day (a distinct-value state does not shrink when merged, so
a month is cheaper to merge from 31 daily states than from 744 hourly ones). They roll up every numeric
property and every property string rather than one metric's field, so a billable metric may change its field_name
at any time and the rollups still answer for it. They count each inserted row: the flusher never inserts a
transaction key that `events` already holds, which keeps them exact.
"""

from dataclasses import dataclass

EVENTS_TABLE = "events"
MIGRATIONS_TABLE = "schema_migrations"
HOURLY_EVENTS_TABLE = "usage_hourly_events"
HOURLY_NUMBERS_TABLE = "usage_hourly_numbers"
DAILY_DISTINCT_TABLE = "usage_daily_distinct"
MICROSECONDS_PER_HOUR = 3_600_000_000
MICROSECONDS_PER_DAY = 24 * MICROSECONDS_PER_HOUR

CREATE_MIGRATIONS_TABLE = f"""
CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (
    name String,
    applied_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree ORDER BY name
"""

CREATE_EVENTS_TABLE = f"""
CREATE TABLE IF NOT EXISTS {EVENTS_TABLE} (
    organization_id String,
    code String,
    external_subscription_id String,
    timestamp_us Int64,
    transaction_id String,
    ingested_at_us Int64,
    event_id String,
    properties String,
    property_keys Array(String),
    property_values Array(String),
    numeric_keys Array(String),
    numeric_values Array(Decimal(38, 12)),
    is_remove UInt8,
    precise_total_amount_cents Nullable(String),
    diagnostics String
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(toDateTime(intDiv(timestamp_us, 1000000)))
ORDER BY (organization_id, code, external_subscription_id, timestamp_us, transaction_id)
"""

CREATE_HOURLY_EVENTS_TABLE = f"""
CREATE TABLE IF NOT EXISTS {HOURLY_EVENTS_TABLE} (
    organization_id String,
    code String,
    external_subscription_id String,
    hour Int64,
    events AggregateFunction(count),
    removes AggregateFunction(sum, UInt64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(toDateTime(hour * 3600))
ORDER BY (organization_id, code, external_subscription_id, hour)
"""

CREATE_HOURLY_EVENTS_VIEW = f"""
CREATE MATERIALIZED VIEW IF NOT EXISTS {HOURLY_EVENTS_TABLE}_mv TO {HOURLY_EVENTS_TABLE} AS
SELECT
    organization_id,
    code,
    external_subscription_id,
    intDiv(timestamp_us, {MICROSECONDS_PER_HOUR}) AS hour,
    countState() AS events,
    sumState(toUInt64(is_remove)) AS removes
FROM {EVENTS_TABLE}
GROUP BY organization_id, code, external_subscription_id, hour
"""

CREATE_HOURLY_NUMBERS_TABLE = f"""
CREATE TABLE IF NOT EXISTS {HOURLY_NUMBERS_TABLE} (
    organization_id String,
    code String,
    field String,
    external_subscription_id String,
    hour Int64,
    numeric_events AggregateFunction(count),
    total AggregateFunction(sum, Decimal(38, 12)),
    highest AggregateFunction(max, Decimal(38, 12)),
    lowest AggregateFunction(min, Decimal(38, 12))
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(toDateTime(hour * 3600))
ORDER BY (organization_id, code, field, external_subscription_id, hour)
"""

CREATE_HOURLY_NUMBERS_VIEW = f"""
CREATE MATERIALIZED VIEW IF NOT EXISTS {HOURLY_NUMBERS_TABLE}_mv TO {HOURLY_NUMBERS_TABLE} AS
SELECT
    organization_id,
    code,
    field,
    external_subscription_id,
    intDiv(timestamp_us, {MICROSECONDS_PER_HOUR}) AS hour,
    countState() AS numeric_events,
    sumState(value) AS total,
    maxState(value) AS highest,
    minState(value) AS lowest
FROM {EVENTS_TABLE}
ARRAY JOIN numeric_keys AS field, numeric_values AS value
GROUP BY organization_id, code, field, external_subscription_id, hour
"""

CREATE_DAILY_DISTINCT_TABLE = f"""
CREATE TABLE IF NOT EXISTS {DAILY_DISTINCT_TABLE} (
    organization_id String,
    code String,
    field String,
    external_subscription_id String,
    day Int64,
    distinct_values AggregateFunction(uniqExact, String)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(toDateTime(day * 86400))
ORDER BY (organization_id, code, field, external_subscription_id, day)
"""

CREATE_DAILY_DISTINCT_VIEW = f"""
CREATE MATERIALIZED VIEW IF NOT EXISTS {DAILY_DISTINCT_TABLE}_mv TO {DAILY_DISTINCT_TABLE} AS
SELECT
    organization_id,
    code,
    field,
    external_subscription_id,
    intDiv(timestamp_us, {MICROSECONDS_PER_DAY}) AS day,
    uniqExactState(value) AS distinct_values
FROM {EVENTS_TABLE}
ARRAY JOIN property_keys AS field, property_values AS value
GROUP BY organization_id, code, field, external_subscription_id, day
"""


@dataclass(frozen=True)
class Migration:
    name: str
    statements: tuple[str, ...]


# Append only: a deployed migration is never edited, a change is a new migration.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "0001_events_and_hourly_rollups",
        (
            # The rollups come with the events table: their views must see every row ever inserted into it.
            CREATE_EVENTS_TABLE,
            CREATE_HOURLY_EVENTS_TABLE,
            CREATE_HOURLY_NUMBERS_TABLE,
            CREATE_DAILY_DISTINCT_TABLE,
            CREATE_HOURLY_EVENTS_VIEW,
            CREATE_HOURLY_NUMBERS_VIEW,
            CREATE_DAILY_DISTINCT_VIEW,
        ),
    ),
)

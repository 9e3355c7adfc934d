"""The ClickHouse schema as named, ordered migrations; `clickhouse_migrate` applies the ones not yet recorded.

Every statement is idempotent (IF NOT EXISTS, or a ColumnAdd), so a migration interrupted half-way is simply applied
again.
The SQL runs on 18.16 (no DateTime64, Map, JSON functions, TTL or codecs) and on modern ClickHouse.

Times are Int64 microseconds since the epoch, so window edges are exact to the microsecond like the SQL store's.
Properties are kept three ways: the raw JSON (the raw path decodes it), parallel arrays of keys and comparison
strings (metering.usage.property_string), and parallel arrays of the keys and Decimal(38, 12) values of the numeric
ones (metering.usage.parse_number), all computed in Python (rows.py, at ingestion) so that they agree with the SQL
store.

The rollups are kept by materialized views on every insert into `events`: counts, sums, maxima and minima per hour
(small states, so short raw edges), and for distinct values one row per value and block of 64 days holding the set
of days it was seen as a bitmask (migration 0002). A month's distinct values are then the block's values whose days
meet the window's: one row per value, where merging 31 daily distinct-value states (0001's rollup) read every value
once per day it was seen, three times slower. They roll up every numeric property and every property string rather
than one metric's field, so a billable metric may change its field_name at any time and the rollups still answer
for it. The counting ones count each inserted row: the flusher never inserts a transaction key that `events`
already holds, which keeps them exact; the day bitmasks are ORed, so a row counted twice changes nothing.
"""

from dataclasses import dataclass

EVENTS_TABLE = "events"
MIGRATIONS_TABLE = "schema_migrations"
HOURLY_EVENTS_TABLE = "usage_hourly_events"
HOURLY_NUMBERS_TABLE = "usage_hourly_numbers"
DAILY_DISTINCT_TABLE = "usage_daily_distinct"
VALUE_DAYS_TABLE = "usage_value_days"
DAYS_PER_BLOCK = 64  # the bits of a UInt64
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


_VALUE_DAYS_SELECT = f"""
SELECT
    organization_id,
    code,
    field,
    external_subscription_id,
    intDiv(timestamp_us, {MICROSECONDS_PER_DAY * DAYS_PER_BLOCK}) AS block,
    value,
    groupBitOrState(
        bitShiftLeft(toUInt64(1), toUInt64(intDiv(timestamp_us, {MICROSECONDS_PER_DAY}) % {DAYS_PER_BLOCK}))
    ) AS days
FROM {EVENTS_TABLE}
ARRAY JOIN property_keys AS field, property_values AS value
GROUP BY organization_id, code, field, external_subscription_id, block, value
"""

CREATE_VALUE_DAYS_TABLE = f"""
CREATE TABLE IF NOT EXISTS {VALUE_DAYS_TABLE} (
    organization_id String,
    code String,
    field String,
    external_subscription_id String,
    block Int64,
    value String,
    days AggregateFunction(groupBitOr, UInt64)
) ENGINE = AggregatingMergeTree
PARTITION BY intDiv(block, 6)
ORDER BY (organization_id, code, field, external_subscription_id, block, value)
"""

CREATE_VALUE_DAYS_VIEW = f"""
CREATE MATERIALIZED VIEW IF NOT EXISTS {VALUE_DAYS_TABLE}_mv TO {VALUE_DAYS_TABLE} AS {_VALUE_DAYS_SELECT}
"""

# The view sees the events inserted from its creation on, this the ones before; an event seen by both sets the same
# bit twice, which is harmless, so there is no gap to close and the statement may run again.
BACKFILL_VALUE_DAYS = f"INSERT INTO {VALUE_DAYS_TABLE} {_VALUE_DAYS_SELECT}"


@dataclass(frozen=True)
class ColumnAdd:
    """ALTER TABLE ... ADD COLUMN, made idempotent by the migrator (18.16 has no ADD COLUMN IF NOT EXISTS): skipped
    when system.columns already lists the column."""

    table: str
    column: str
    definition: str

    @property
    def statement(self) -> str:
        return f"ALTER TABLE {self.table} ADD COLUMN {self.column} {self.definition}"


@dataclass(frozen=True)
class Migration:
    name: str
    statements: tuple[str | ColumnAdd, ...]


# Looking up transaction ids (the flusher's known keys, an event by id) reads this 8-byte column instead of the ids'
# text: at 9,200,000 events of one subscription, 87 ms instead of 877 for a flush's 15,000 keys (18.16). Parts written
# before the migration compute it when read (272 ms there) until merges rewrite them; the id itself is compared after.
TRANSACTION_HASH_ADD = ColumnAdd(EVENTS_TABLE, "transaction_hash", "UInt64 MATERIALIZED cityHash64(transaction_id)")


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
    Migration(
        "0002_distinct_values_as_day_bitmasks",
        (
            CREATE_VALUE_DAYS_TABLE,
            CREATE_VALUE_DAYS_VIEW,
            BACKFILL_VALUE_DAYS,
            f"DROP TABLE IF EXISTS {DAILY_DISTINCT_TABLE}_mv",
            f"DROP TABLE IF EXISTS {DAILY_DISTINCT_TABLE}",
        ),
    ),
    Migration("0003_transaction_hash", (TRANSACTION_HASH_ADD,)),
)

"""clickhouse_migrate creates the database and schema once, then finds nothing to do; a new migration upgrades."""

import uuid
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from metering.stores.base import Aggregation, UsageQuery
from metering.stores.clickhouse import ClickHouseEventStore
from metering.stores.clickhouse.ddl import EVENTS_TABLE, MIGRATIONS, TRANSACTION_HASH_ADD, Migration
from metering.stores.clickhouse.flusher import clickhouse_row, known_keys
from metering.stores.clickhouse.rows import EVENT_COLUMNS, rows_columns
from metering.stores.clickhouse.schema import APPLIED_MIGRATIONS, schema_migrate
from metering.stores.clickhouse.transport import DriverTransport
from metering.stores.sql.events import event_row
from tests.metering.clickhouse.builders import CODE, at, record, window
from tests.metering.clickhouse.engines import fresh_database_name, server_url


@pytest.fixture
def fresh_url():
    url = server_url(fresh_database_name())
    yield url
    DriverTransport.from_url(url).drop_database()


def test_clickhouse_migrate_twice_is_a_no_op(fresh_url, capsys):
    call_command("clickhouse_migrate", url=fresh_url)
    first = capsys.readouterr().out
    call_command("clickhouse_migrate", url=fresh_url)
    second = capsys.readouterr().out

    assert first.splitlines() == [f"Applied {migration.name}" for migration in MIGRATIONS]
    assert second.strip() == "No migrations to apply."
    tables = {name for (name,) in DriverTransport.from_url(fresh_url).execute("SHOW TABLES")}
    assert {"events", "usage_hourly_events", "usage_hourly_numbers", "usage_value_days"} <= tables
    assert "usage_daily_distinct" not in tables  # replaced by usage_value_days in 0002


def test_the_value_days_rollup_is_backfilled_from_events_stored_before_it(fresh_url, db):
    """A database migrated before 0002 already holds events: the upgrade rolls them up, and events inserted after
    it are rolled up by the view, so a unique count over both is exact."""
    transport = DriverTransport.from_url(fresh_url)
    schema_migrate(transport=transport, migrations=MIGRATIONS[:1])
    organization_id = uuid.uuid4()
    before = [
        record(organization_id, f"before-{index}", at(hours=24 * index), {"user": f"u{index % 3}"})
        for index in range(5)
    ]
    after = [record(organization_id, "after-1", at(hours=24 * 6), {"user": "u9"})]
    transport.insert(EVENTS_TABLE, EVENT_COLUMNS, [clickhouse_row(event_row(item)) for item in before])

    assert schema_migrate(transport=transport) == [migration.name for migration in MIGRATIONS[1:]]
    transport.insert(EVENTS_TABLE, EVENT_COLUMNS, [clickhouse_row(event_row(item)) for item in after])
    query = UsageQuery(
        organization_id=organization_id,
        code=CODE,
        aggregation=Aggregation("unique_count_agg", "user"),
        windows=[window(at(hours=0), at(hours=24 * 7))],
    )

    [result] = ClickHouseEventStore(transport).aggregate(query)

    assert (result.units, result.events_count) == (Decimal(4), 6)


def test_an_upgrade_applies_only_the_new_migration(fresh_url):
    transport = DriverTransport.from_url(fresh_url)
    schema_migrate(transport=transport)
    upgrade = Migration("0099_test_upgrade", ("CREATE TABLE IF NOT EXISTS upgrade_probe (x UInt8) ENGINE = Memory",))

    applied = schema_migrate(transport=transport, migrations=(*MIGRATIONS, upgrade))

    assert applied == ["0099_test_upgrade"]
    assert {name for (name,) in transport.execute(APPLIED_MIGRATIONS)} == {
        *(migration.name for migration in MIGRATIONS),
        "0099_test_upgrade",
    }


def test_the_schema_also_applies_on_modern_clickhouse(transport):
    assert schema_migrate(transport=transport) == []  # the engines are migrated: nothing left, and no error


def test_clickhouse_migrate_needs_a_url(settings):
    settings.CLICKHOUSE_URL = ""

    with pytest.raises(CommandError, match="CLICKHOUSE_URL"):
        call_command("clickhouse_migrate")


def _rows(organization_id, names: list[str]) -> list[tuple]:
    return [clickhouse_row(event_row(record(organization_id, name, at(hours=1), {}))) for name in names]


def test_events_stored_before_the_transaction_hash_are_known_to_the_flusher_and_found_by_id(fresh_url, db):
    """0003 adds a column that parts written before it compute when read: the flusher's check for keys ClickHouse
    holds and the lookup of an event by transaction_id answer the same for old and new rows, merged or not."""
    transport = DriverTransport.from_url(fresh_url)
    schema_migrate(transport=transport, migrations=MIGRATIONS[:2])
    organization_id = uuid.uuid4()
    transport.insert(EVENTS_TABLE, EVENT_COLUMNS, _rows(organization_id, ["old-1", "old-2"]))

    assert schema_migrate(transport=transport) == ["0003_transaction_hash"]
    transport.insert(EVENTS_TABLE, EVENT_COLUMNS, _rows(organization_id, ["new-1"]))
    store = ClickHouseEventStore(transport)
    batch = rows_columns(_rows(organization_id, ["old-2", "new-1", "unknown"]))

    for merged in (False, True):
        if merged:
            transport.execute(f"OPTIMIZE TABLE {EVENTS_TABLE} FINAL")
        assert known_keys(transport, batch) == {
            (str(organization_id), "sub_a", "old-2"),
            (str(organization_id), "sub_a", "new-1"),
        }
        assert [store.get(organization_id=organization_id, transaction_id=name) is not None
                for name in ("old-1", "new-1", "unknown")] == [True, True, False]  # fmt: skip
    [(mismatches,)] = transport.execute(
        f"SELECT countIf(transaction_hash != cityHash64(transaction_id)) FROM {EVENTS_TABLE}"
    )
    assert mismatches == 0


def test_a_column_added_by_an_interrupted_migration_is_not_added_again(fresh_url):
    transport = DriverTransport.from_url(fresh_url)
    schema_migrate(transport=transport, migrations=MIGRATIONS[:2])
    transport.execute(TRANSACTION_HASH_ADD.statement)  # applied, but the migration not recorded

    assert schema_migrate(transport=transport) == ["0003_transaction_hash"]
    [(columns,)] = transport.execute(
        "SELECT count() FROM system.columns WHERE database = currentDatabase() AND name = 'transaction_hash'"
    )
    assert columns == 1

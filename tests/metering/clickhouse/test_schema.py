"""clickhouse_migrate creates the database and schema once, then finds nothing to do; a new migration upgrades."""

import pytest
from django.core.management import CommandError, call_command

from metering.stores.clickhouse.ddl import MIGRATIONS, Migration
from metering.stores.clickhouse.schema import APPLIED_MIGRATIONS, schema_migrate
from metering.stores.clickhouse.transport import DriverTransport
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
    assert {"events", "usage_hourly_events", "usage_hourly_numbers", "usage_daily_distinct"} <= tables


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

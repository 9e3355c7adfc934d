"""Applies the migrations of metering.stores.clickhouse.ddl that the database has not recorded yet."""

from collections.abc import Sequence

import structlog

from metering.stores.clickhouse.ddl import CREATE_MIGRATIONS_TABLE, MIGRATIONS, MIGRATIONS_TABLE, ColumnAdd, Migration
from metering.stores.clickhouse.transport import Transport

logger = structlog.get_logger(__name__)

APPLIED_MIGRATIONS = f"SELECT DISTINCT name FROM {MIGRATIONS_TABLE}"
COLUMN_EXISTS = (
    "SELECT count() FROM system.columns WHERE database = currentDatabase() AND table = %(table)s AND name = %(column)s"
)


def schema_migrate(*, transport: Transport, migrations: Sequence[Migration] = MIGRATIONS) -> list[str]:
    """Creates the database if needed and applies the pending migrations in order; returns the names applied."""
    transport.create_database()
    transport.execute(CREATE_MIGRATIONS_TABLE)
    applied = {name for (name,) in transport.execute(APPLIED_MIGRATIONS)}
    newly_applied = []
    for migration in migrations:
        if migration.name in applied:
            continue
        for statement in migration.statements:
            _apply(transport, statement)
        transport.insert(MIGRATIONS_TABLE, ("name",), [(migration.name,)])
        logger.info("clickhouse_migration_applied", migration=migration.name, database=transport.database)
        newly_applied.append(migration.name)
    return newly_applied


def _apply(transport: Transport, statement: str | ColumnAdd) -> None:
    if isinstance(statement, ColumnAdd):
        [(exists,)] = transport.execute(COLUMN_EXISTS, {"table": statement.table, "column": statement.column})
        if exists:
            return
        statement = statement.statement
    transport.execute(statement)

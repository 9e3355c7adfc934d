"""The SQL store: events in the main database (SQLite or PostgreSQL) through the ORM."""

from metering.stores.sql.aggregation import SqlUsageAggregation
from metering.stores.sql.events import SqlEventWrites


class SqlEventStore(SqlEventWrites, SqlUsageAggregation):
    pass

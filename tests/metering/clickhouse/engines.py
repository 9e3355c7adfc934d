"""ClickHouse engines for tests, one per test process: a fresh database on the 18.16 server named by
TEST_CLICKHOUSE_URL (scripts/test_servers.py sets it) and an in-process chdb engine. Both are migrated once and
dropped at the end of the session; tests isolate their data by using fresh organizations, and each gets the
database's Redis inbox empty (an earlier test's waiting events would otherwise be flushed by its flushes)."""

import os
import secrets
import shutil
import tempfile
from urllib.parse import urlsplit, urlunsplit

import pytest

from metering.stores.clickhouse.inbox import RedisEventInbox
from metering.stores.clickhouse.schema import schema_migrate
from metering.stores.clickhouse.transport import ChdbTransport, DriverTransport

_engines: dict[str, object] = {}


def fresh_database_name() -> str:
    return f"billing_test_{secrets.token_hex(6)}"


def server_url(database: str) -> str:
    url = os.environ.get("TEST_CLICKHOUSE_URL")
    if not url:
        pytest.fail(
            "TEST_CLICKHOUSE_URL is not set: run the suite with `make test`, whose scripts/test_servers.py starts ClickHouse"
        )
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def server_transport(config: pytest.Config) -> DriverTransport:
    """A migrated database of its own on the ClickHouse server, dropped when the session ends."""
    if "server" not in _engines:
        transport = DriverTransport.from_url(server_url(fresh_database_name()))
        schema_migrate(transport=transport)
        config.add_cleanup(transport.drop_database)
        _engines["server"] = transport
    return _emptied_inbox(_engines["server"])


def chdb_transport(config: pytest.Config) -> ChdbTransport:
    """A migrated database in an in-process chdb engine (one per process: chdb cannot share its path)."""
    if "chdb" not in _engines:
        from chdb import session as chdb_session

        path = tempfile.mkdtemp(prefix="billing-chdb-")
        session = chdb_session.Session(path)
        transport = ChdbTransport(session, database=fresh_database_name())
        schema_migrate(transport=transport)

        def close() -> None:
            session.close()
            shutil.rmtree(path, ignore_errors=True)

        config.add_cleanup(close)
        _engines["chdb"] = transport
    return _emptied_inbox(_engines["chdb"])


def _emptied_inbox(transport):
    RedisEventInbox.configured(database=transport.database).clear()
    return transport

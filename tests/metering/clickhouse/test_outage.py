"""ClickHouse stopped in the middle of a run: ingestion keeps answering 200 (events wait durably in the inbox),
usage reads say the store is unavailable, and once the server is back (on the same data) a flush forwards every
event exactly once."""

import contextlib
import importlib.util
import os
import signal
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from metering import tasks
from metering.stores import get_event_store
from metering.stores.base import Aggregation, UsageQuery, UsageStoreUnavailable
from metering.stores.clickhouse import ClickHouseEventStore
from metering.stores.clickhouse.ddl import EVENTS_TABLE, HOURLY_EVENTS_TABLE
from tests.metering.clickhouse.builders import at, window

BATCH = "/api/v1/events/batch"
BATCH_SIZE = 50
START = int(at(hours=1).timestamp())


def _test_servers():
    path = Path(django_settings.BASE_DIR) / "scripts" / "test_servers.py"
    spec = importlib.util.spec_from_file_location("billing_test_servers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


test_servers = _test_servers()


@contextlib.contextmanager
def clickhouse_server(directory: Path, tcp_port: int, http_port: int):
    """A clickhouse-server on `directory`'s data (kept between runs), configured like scripts/test_servers.py's."""
    directory.mkdir(exist_ok=True)
    (directory / "config.xml").write_text(
        test_servers.CLICKHOUSE_CONFIG.format(dir=directory, tcp_port=tcp_port, http_port=http_port)
    )
    (directory / "users.xml").write_text(test_servers.CLICKHOUSE_USERS)
    command = ["clickhouse-server", f"--config-file={directory / 'config.xml'}"]
    with test_servers.background(
        command, tcp_port, "clickhouse-server", directory / "stdout.log", cwd=directory
    ) as process:
        yield f"clickhouse://default@127.0.0.1:{tcp_port}/billing_outage", process


def post_batch(api, first: int, *, subscription: str = "sub_a"):
    events = [
        {
            "transaction_id": f"tx-{index}",
            "external_subscription_id": subscription,
            "code": "storage",
            "timestamp": START + index,
            "properties": {"gb": index},
        }
        for index in range(first, first + BATCH_SIZE)
    ]
    return api.post(BATCH, {"events": events}, format="json")


def ingest(api, batches: range) -> None:
    for batch in batches:
        response = post_batch(api, batch * BATCH_SIZE)
        assert response.status_code == 200, response.content


def usage(organization) -> UsageQuery:
    return UsageQuery(
        organization_id=organization.id,
        code="storage",
        aggregation=Aggregation("sum_agg", "gb"),
        windows=[window(at(hours=0), at(hours=3))],
    )


def stored_rows(store, organization) -> tuple[int, int]:
    parameters = {"organization_id": str(organization.id)}
    [(rows,)] = store.transport.execute(
        f"SELECT count() FROM {EVENTS_TABLE} WHERE organization_id = %(organization_id)s", parameters
    )
    [(rolled,)] = store.transport.execute(
        f"SELECT countMerge(events) FROM {HOURLY_EVENTS_TABLE} WHERE organization_id = %(organization_id)s",
        parameters,
    )
    return rows, rolled


@pytest.fixture
def clickhouse_store_configured(settings):
    """Points CLICKHOUSE_URL (and so the configured store that ingestion uses) at a server started by the test."""

    def configure(url: str) -> ClickHouseEventStore:
        settings.CLICKHOUSE_URL = url
        get_event_store.cache_clear()
        store = get_event_store()
        store.inbox.clear()  # an earlier run's events for the same database name
        return store

    yield configure
    get_event_store.cache_clear()


def test_events_survive_a_clickhouse_outage_exactly_once(api, organization, tmp_path, clickhouse_store_configured):
    tcp_port, http_port = test_servers.free_port(), test_servers.free_port()
    directory = tmp_path / "clickhouse"

    with clickhouse_server(directory, tcp_port, http_port) as (url, process):
        store = clickhouse_store_configured(url)
        store.migrate()
        ingest(api, range(0, 2))
        assert tasks.flush_events() == 2 * BATCH_SIZE
        os.killpg(process.pid, signal.SIGKILL)  # no graceful shutdown: the server just goes away
        process.wait()

    # The server is down: ingestion still acknowledges, and a repeated transaction is still refused.
    ingest(api, range(2, 4))
    assert post_batch(api, 0).status_code == 422
    assert tasks.flush_events() == 0
    with pytest.raises(UsageStoreUnavailable):
        store.aggregate(usage(organization))
    assert store.inbox.backlog(organization.id) == 2 * BATCH_SIZE

    time.sleep(0.2)  # let the stopped server's port be released
    with clickhouse_server(directory, tcp_port, http_port):
        ingest(api, range(4, 5))
        [result] = store.aggregate(usage(organization))

        events = 5 * BATCH_SIZE
        assert result.events_count == events
        assert result.units == sum(range(events))
        assert stored_rows(store, organization) == (events, events)
        assert store.inbox.backlog(organization.id) == 0
        store.transport.disconnect()  # the server waits for open connections before it stops

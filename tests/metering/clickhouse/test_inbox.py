"""The ClickHouse store's Redis inbox: refusals within the deduplication window, exactly-once past it, concurrent
batches, a killed Redis keeping every acknowledged event, and what happens when Redis is missing or not durable."""

import contextlib
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from unittest import mock
from uuid import uuid4

import orjson
import pytest
import redis
from django.conf import settings

from metering import services, tasks
from metering.stores.clickhouse import ClickHouseEventStore
from metering.stores.clickhouse.ddl import EVENTS_TABLE
from metering.stores.clickhouse.inbox import EventInboxUnavailable, RedisEventInbox, inbox_namespace
from metering.stores.clickhouse.timestamps import microseconds
from tests.metering.clickhouse.builders import CODE, at, record
from tests.metering.clickhouse.test_flusher import count_query
from tests.metering.clickhouse.test_outage import test_servers


def rows_in_clickhouse(transport, organization) -> int:
    query = f"SELECT count() FROM {EVENTS_TABLE} WHERE organization_id = %(organization_id)s"
    [(rows,)] = transport.execute(query, {"organization_id": str(organization.id)})
    return rows


def _inbox_url() -> str:
    return settings.EVENTS_INBOX_REDIS_URL


def inbox_on(url: str, database: str, *, deduplication_seconds: int = 3600) -> RedisEventInbox:
    return RedisEventInbox(
        redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2),
        namespace=inbox_namespace(database),
        deduplication_seconds=deduplication_seconds,
    )


def test_repeats_within_the_window_refuse_the_batch_and_are_named_by_index(store, organization):
    first = [record(organization.id, name, at(hours=1), {}) for name in ("a", "b")]
    assert store.insert(first).accepted

    outcome = store.insert([record(organization.id, name, at(hours=2), {}) for name in ("c", "a", "d", "c")])

    assert outcome.duplicates == (1, 3)  # "a" was stored before, the second "c" repeats the first
    assert store.inbox.backlog(organization.id) == 2
    # Nothing of the refused batch was kept: its new keys are free again.
    assert store.insert([record(organization.id, name, at(hours=2), {}) for name in ("c", "d")]).accepted


def test_a_batch_mixing_organizations_names_its_repeats_by_their_index_in_the_batch(
    store, organization, other_organization
):
    assert store.insert([record(other_organization.id, "theirs", at(hours=1), {})]).accepted
    mixed = [
        record(organization.id, "a", at(hours=1), {}),
        record(other_organization.id, "theirs", at(hours=1), {}),
        record(organization.id, "b", at(hours=1), {}),
        record(other_organization.id, "new", at(hours=1), {}),
    ]

    assert store.insert(mixed).duplicates == (1,)
    assert store.insert([mixed[0], mixed[2], mixed[3]]).accepted
    assert (store.inbox.backlog(organization.id), store.inbox.backlog(other_organization.id)) == (2, 2)


def test_the_same_transaction_id_of_another_subscription_or_organization_is_another_event(
    store, organization, other_organization
):
    assert store.insert([record(organization.id, "tx", at(hours=1), {}, subscription="sub:a")]).accepted

    assert store.insert([record(organization.id, "tx", at(hours=1), {}, subscription="sub")]).accepted
    assert store.insert([record(organization.id, "a:tx", at(hours=1), {}, subscription="sub")]).accepted
    assert store.insert([record(other_organization.id, "tx", at(hours=1), {}, subscription="sub:a")]).accepted


def test_a_repeat_past_the_window_is_acknowledged_but_never_counted_twice(transport, organization):
    store = ClickHouseEventStore(transport, inbox=inbox_on(_inbox_url(), transport.database, deduplication_seconds=1))
    assert store.insert([record(organization.id, "tx", at(hours=1), {})]).accepted
    assert store.flush() == 1

    # Past the window, the same event resent and the same transaction_id at another time are acknowledged...
    for repeat in (record(organization.id, "tx", at(hours=1), {}), record(organization.id, "tx", at(hours=3), {})):
        time.sleep(2.1)  # a key is refused for at least the window and at most two
        assert store.insert([repeat]).accepted
    # ...but ClickHouse already holds the key: neither is forwarded.
    assert store.flush() == 2
    assert rows_in_clickhouse(transport, organization) == 1
    [result] = store.aggregate(count_query(organization))
    assert result.events_count == 1


def test_concurrent_batches_repeating_one_transaction_id_store_it_once(store, transport, organization):
    def send(worker: int) -> bool:
        batch = [record(organization.id, f"own-{worker}-{index}", at(hours=1), {}) for index in range(20)]
        return store.insert([*batch, record(organization.id, "shared", at(hours=2), {})]).accepted

    with ThreadPoolExecutor(max_workers=8) as pool:
        accepted = list(pool.map(send, range(8)))

    assert accepted.count(True) == 1
    assert store.inbox.backlog(organization.id) == 21
    assert store.flush() == 21
    assert rows_in_clickhouse(transport, organization) == 21


def test_a_held_flush_lock_makes_the_periodic_flush_skip_the_organization(store, transport, organization):
    assert store.insert([record(organization.id, "tx", at(hours=1), {})]).accepted

    with store.inbox.flush_lock(str(organization.id), wait=False) as lock:
        assert lock is not None
        assert store.flush() == 0  # another flusher holds it
        assert store.inbox.backlog(organization.id) == 1

    assert store.flush() == 1
    assert rows_in_clickhouse(transport, organization) == 1


def test_a_usage_read_waits_out_the_lock_of_a_flusher_that_died_and_then_counts_everything(store, organization):
    assert store.insert([record(organization.id, f"tx-{index}", at(hours=1), {}) for index in range(3)]).accepted
    # What a worker killed in the middle of a flush leaves: its lock, expiring on its own.
    store.inbox.client.set(f"{store.inbox.namespace}:lock:{organization.id}", "dead-flusher", px=300)
    started = time.monotonic()

    [result] = store.aggregate(count_query(organization))

    assert time.monotonic() - started >= 0.25
    assert result.events_count == 3


def test_a_usage_read_forwards_what_was_acknowledged_before_it_even_under_ingestion(store, organization):
    assert store.insert([record(organization.id, f"before-{index}", at(hours=1), {}) for index in range(5)]).accepted

    [result] = store.aggregate(count_query(organization))

    assert result.events_count == 5
    assert store.inbox.backlog(organization.id) == 0


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of the test's own, which it can kill: (start with these extra arguments) -> url."""
    port = test_servers.free_port()
    running: list = []

    @contextlib.contextmanager
    def start(*arguments: str):
        command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)]
        with test_servers.background([*command, *arguments], port, "redis-server", tmp_path / "redis.log") as process:
            running.append(process)
            yield f"redis://127.0.0.1:{port}/0", process

    return start


def test_events_acknowledged_before_redis_is_killed_are_all_forwarded_after_its_restart(
    own_redis, transport, organization
):
    durable = ("--appendonly", "yes", "--appendfsync", "always")
    with own_redis(*durable) as (url, process):
        store = ClickHouseEventStore(transport, inbox=inbox_on(url, transport.database))
        for batch in range(3):
            events = [record(organization.id, f"tx-{batch}-{index}", at(hours=1), {}) for index in range(50)]
            assert store.insert(events).accepted
        process.kill()  # SIGKILL: no shutdown, no final save
        process.wait()

    with pytest.raises(EventInboxUnavailable):
        store.insert([record(organization.id, "while-down", at(hours=1), {})])

    with own_redis(*durable) as (url, _process):
        store = ClickHouseEventStore(transport, inbox=inbox_on(url, transport.database))
        assert store.inbox.backlog(organization.id) == 150
        assert not store.insert([record(organization.id, "tx-0-0", at(hours=1), {})]).accepted  # still deduplicated
        assert store.flush() == 150
        assert rows_in_clickhouse(transport, organization) == 150


def test_a_redis_that_does_not_persist_every_write_is_refused(own_redis, transport, organization):
    with own_redis("--appendonly", "no") as (url, _process):
        store = ClickHouseEventStore(transport, inbox=inbox_on(url, transport.database))

        with pytest.raises(EventInboxUnavailable, match="appendonly yes"):
            store.insert([record(organization.id, "tx", at(hours=1), {})])
        assert store.inbox.backlog(organization.id) == 0


def test_ingestion_answers_503_and_keeps_nothing_while_redis_is_unreachable(api, transport, organization):
    # Nothing listens on port 1 of the loopback: the connection is refused at once.
    unreachable = ClickHouseEventStore(transport, inbox=inbox_on("redis://127.0.0.1:1/0", transport.database))
    body = {"events": [{"transaction_id": "tx", "external_subscription_id": "sub", "code": CODE}]}

    with mock.patch.object(services, "get_event_store", return_value=unreachable):
        response = api.post("/api/v1/events/batch", body, format="json")

    assert response.status_code == 503
    assert response.json()["code"] == "event_inbox_unavailable"
    assert RedisEventInbox.configured(database=transport.database).backlog(organization.id) == 0


def test_the_flush_task_postpones_while_the_inbox_is_unreachable(transport):
    unreachable = ClickHouseEventStore(transport, inbox=inbox_on("redis://127.0.0.1:1/0", transport.database))

    with mock.patch.object(tasks, "get_event_store", return_value=unreachable):
        assert tasks.flush_events() == 0


def test_entries_appended_row_wise_by_the_previous_release_are_forwarded_like_column_wise_ones(
    store, transport, organization
):
    """Before the inbox held columns, an entry was a JSON list of QueuedEvent rows under the field `events`; an upgrade
    finds such entries waiting and must forward them, property columns worked out by the flusher."""
    organization_id = str(organization.id)
    old_entry = [
        [organization_id, CODE, "sub_a", microseconds(at(hours=1)), "old-1", microseconds(at()), str(uuid4()),
         '{"value": 2.5, "region": "eu"}', None, ""],
        [organization_id, CODE, "sub_a", microseconds(at(hours=2)), "old-2", microseconds(at()), str(uuid4()),
         '{"value": 10000000000000000000000000000001}', "12.5", "property_not_numeric"],
    ]  # fmt: skip
    inbox = store.inbox
    inbox.client.xadd(inbox._stream_key(organization_id), {"events": orjson.dumps(old_entry)})
    inbox.client.hincrby(inbox._backlog_key, organization_id, 2)
    inbox.client.sadd(inbox._organizations_key, organization_id)
    assert store.insert([record(organization.id, "new-1", at(hours=3), {"value": 2.5, "region": "eu"})]).accepted

    assert store.flush() == 3

    query = f"""SELECT transaction_id, properties, property_keys, property_values, numeric_keys, numeric_values,
        precise_total_amount_cents FROM {EVENTS_TABLE} WHERE organization_id = %(organization_id)s ORDER BY transaction_id"""
    rows = [
        (*row[:5], [Decimal(str(number)) for number in row[5]], row[6])
        for row in transport.execute(query, {"organization_id": organization_id})
    ]
    assert rows == [
        ("new-1", '{"value":2.5,"region":"eu"}', ["value", "region"], ["2.5", "eu"], ["value"], [Decimal("2.5")], None),
        ("old-1", '{"value": 2.5, "region": "eu"}', ["value", "region"], ["2.5", "eu"], ["value"], [Decimal("2.5")],
         None),
        # Past Decimal(38, 12): kept as its string, never as a number.
        ("old-2", '{"value": 10000000000000000000000000000001}', ["value"], ["10000000000000000000000000000001"],
         [], [], "12.5"),
    ]  # fmt: skip
    assert store.inbox.backlog(organization.id) == 0

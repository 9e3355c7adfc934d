"""`manage.py events_inbox`: what the ClickHouse store's inbox holds per organization, and --flush forwarding it."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from metering.stores.clickhouse.ddl import EVENTS_TABLE
from tests.metering.clickhouse.builders import at, record


@pytest.fixture
def configured(store, monkeypatch):
    """The ClickHouse store as the configured one."""
    monkeypatch.setattr("metering.inbox.get_event_store", lambda: store)
    store.inbox.clear()
    return store


def run(*arguments) -> str:
    out = io.StringIO()
    call_command("events_inbox", *arguments, stdout=out, verbosity=0)
    return out.getvalue()


def rows_in_clickhouse(store, organization) -> int:
    query = f"SELECT count() FROM {EVENTS_TABLE} WHERE organization_id = %(organization_id)s"
    [(rows,)] = store.transport.execute(query, {"organization_id": str(organization.id)})
    return rows


def acknowledge(store, organization, count: int, prefix: str = "t") -> None:
    batch = [record(organization.id, f"{prefix}{index}", at(hours=1), {"value": index}) for index in range(count)]
    assert store.insert(batch).accepted


def test_the_status_counts_waiting_and_remembered_events_per_organization(configured, organization, other_organization):
    before = datetime.now(UTC)
    acknowledge(configured, organization, 3)
    acknowledge(configured, other_organization, 2)
    configured.flush(organization_id=other_organization.id)

    [mine, theirs] = sorted(
        configured.inbox.status(), key=lambda status: status.organization_id != str(organization.id)
    )

    assert (mine.waiting, mine.acknowledged, mine.remembered_keys) == (3, 3, 3)
    assert before - timedelta(seconds=5) <= mine.oldest_waiting_at <= datetime.now(UTC) + timedelta(seconds=5)
    assert mine.remembered_bytes > 0
    assert (theirs.waiting, theirs.acknowledged, theirs.remembered_keys, theirs.oldest_waiting_at) == (0, 2, 2, None)


def test_the_table_lists_organizations_by_name_waiting_ones_first(configured, organization, other_organization):
    acknowledge(configured, organization, 3)
    acknowledge(configured, other_organization, 2)
    configured.flush(organization_id=other_organization.id)

    output = run()

    assert output.index(organization.name) < output.index(other_organization.name)
    assert "3 events waiting for ClickHouse" in output


def test_flush_forwards_every_waiting_event_and_says_how_many(configured, organization, other_organization):
    acknowledge(configured, organization, 3)
    acknowledge(configured, other_organization, 2)

    output = run("--flush")

    assert "Forwarded 5 events of 2 organizations" in output
    assert (rows_in_clickhouse(configured, organization), rows_in_clickhouse(configured, other_organization)) == (3, 2)
    assert all(status.waiting == 0 for status in configured.inbox.status())


def test_flush_of_one_organization_leaves_the_others_waiting(configured, organization, other_organization):
    acknowledge(configured, organization, 3)
    acknowledge(configured, other_organization, 2)

    assert "Forwarded 3 events of 1 organizations" in run("--flush", "--organization", organization.name)
    assert configured.inbox.backlog(other_organization.id) == 2


def test_an_unknown_organization_is_refused(configured):
    with pytest.raises(CommandError, match="No organization named 'nobody'"):
        run("--organization", "nobody")


def test_an_empty_inbox_says_so(configured):
    assert "The inbox is empty" in run()


def test_the_sql_store_has_no_inbox(db, settings):
    from metering.stores import get_event_store

    settings.CLICKHOUSE_URL = ""
    get_event_store.cache_clear()
    try:
        with pytest.raises(CommandError, match="has no inbox"):
            run()
    finally:
        get_event_store.cache_clear()

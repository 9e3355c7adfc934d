"""Concurrent requests posting the same event: the unique key, not a prior read, keeps exactly one."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from metering.models import Event
from tests.factories.billing import OrganizationFactory, issue_key
from tests.factories.metering import event_payload

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # SQLite's test database serializes writers, so the race cannot be staged there; `make test` runs PostgreSQL.
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"),
]

THREADS = 8


def post_in_threads(key: str, path: str, body: dict) -> list[int]:
    start = threading.Barrier(THREADS)

    def post(_index) -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        try:
            start.wait()
            return client.post(path, body, format="json").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return sorted(pool.map(post, range(THREADS)))


@pytest.mark.parametrize("attempt", range(3))
def test_the_same_event_posted_concurrently_is_stored_once(attempt):
    key = issue_key(OrganizationFactory(name="Racer"))
    event = event_payload(transaction_id=f"tr_race_{attempt}", timestamp=None)

    statuses = post_in_threads(key, "/api/v1/events", {"event": event})

    assert statuses == [200] + [422] * (THREADS - 1)
    assert Event.objects.filter(transaction_id=f"tr_race_{attempt}").count() == 1


def test_overlapping_batches_posted_concurrently_store_each_event_once():
    key = issue_key(OrganizationFactory(name="Racer"))
    batch = [event_payload(transaction_id=f"tr_{index}", timestamp=None) for index in range(50)]

    statuses = post_in_threads(key, "/api/v1/events/batch", {"events": batch})

    assert statuses == [200] + [422] * (THREADS - 1)
    assert Event.objects.count() == 50

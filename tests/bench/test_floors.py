"""The ingestion floors (bench/floors.py) do what their names say, and no more: authenticated and decoded, then one
Redis write per batch. Nothing reaches the event store."""

import orjson
import pytest
import redis
from django.conf import settings

from bench.floors import FLOOR_STREAM
from bench.urls import FLOOR_PATHS
from metering.models import Event

pytestmark = pytest.mark.urls("bench.urls")

BATCH = {
    "events": [
        {"transaction_id": f"tr-{index}", "external_subscription_id": "sub-1", "code": "calls", "timestamp": 1}
        for index in range(3)
    ]
}


@pytest.fixture
def inbox():
    client = redis.Redis.from_url(settings.EVENTS_INBOX_REDIS_URL)
    client.delete(FLOOR_STREAM)
    yield client
    client.delete(FLOOR_STREAM)


def _post(api, name: str, body=BATCH):
    return api.post(f"/{FLOOR_PATHS[name]}", orjson.dumps(body), content_type="application/json")


def test_the_authenticated_floor_refuses_a_missing_key_and_stores_nothing(api, client, inbox):
    response = _post(api, "floor_authenticated")

    assert response.status_code == 200 and response.json() == {"events": []}
    assert (
        client.post(f"/{FLOOR_PATHS['floor_authenticated']}", BATCH, content_type="application/json").status_code == 401
    )
    assert Event.objects.count() == 0 and inbox.xlen(FLOOR_STREAM) == 0


def test_the_one_write_floor_writes_the_batch_once_and_answers_three_fields_per_event(api, inbox):
    response = _post(api, "floor_one_write")

    assert response.status_code == 200
    answer = response.json()["events"]
    assert answer == [
        {"transaction_id": f"tr-{index}", "external_subscription_id": "sub-1", "code": "calls"} for index in range(3)
    ]
    [(_entry_id, fields)] = inbox.xrange(FLOOR_STREAM)
    assert orjson.loads(fields[b"batch"]) == {"events": answer}
    assert Event.objects.count() == 0

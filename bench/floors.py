"""Floors: views that do only the part of ingestion no store can skip, to show how much of the baseline is left for
the rest. They run with `python -m bench.run --only ingestion --floors`, never in the product.

- floor_authenticated: the events view's stack (DRF, the API key, the msgspec batch decoding) answering an empty
  list. Nothing is stored.
- floor_one_write: that, plus one Redis write per batch (the inbox's durable Redis, trimmed) and an answer of three
  fields per event. No deduplication, no diagnosis, no ClickHouse, no flusher.
"""

import orjson
import redis
from django.conf import settings
from django.http import HttpResponse
from rest_framework.response import Response

from billing.api.views import OrganizationAPIView
from metering.api.parsers import EventBatchParser

FLOOR_STREAM = "bench:floor"
FLOOR_STREAM_LENGTH = 1_000
_clients: dict[str, redis.Redis] = {}


class AuthenticatedFloorView(OrganizationAPIView):
    parser_classes = [EventBatchParser]

    def post(self, request):
        request.data["events"]
        return Response({"events": []})


class OneWriteFloorView(OrganizationAPIView):
    parser_classes = [EventBatchParser]

    def post(self, request):
        events = request.data["events"]
        answer = [
            {
                "transaction_id": event.transaction_id,
                "external_subscription_id": event.external_subscription_id,
                "code": event.code,
            }
            for event in events
        ]
        body = orjson.dumps({"events": answer})
        _inbox().xadd(FLOOR_STREAM, {"batch": body}, maxlen=FLOOR_STREAM_LENGTH, approximate=True)
        return HttpResponse(body, content_type="application/json")


def _inbox() -> redis.Redis:
    url = settings.EVENTS_INBOX_REDIS_URL
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url)
    return _clients[url]


FLOOR_VIEWS = {"floor_authenticated": AuthenticatedFloorView, "floor_one_write": OneWriteFloorView}

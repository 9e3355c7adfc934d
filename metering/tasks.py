import structlog
from celery import shared_task

from billing.errors import ServiceUnavailable
from metering.stores import get_event_store
from metering.stores.clickhouse import ClickHouseEventStore

logger = structlog.get_logger(__name__)


# How long one periodic flush keeps following sustained ingestion (flusher.events_flush); the flush lock keeps the
# next ticks' tasks off the organizations it holds meanwhile.
FLUSH_FOLLOW_SECONDS = 30


@shared_task(name="metering.flush_events", ignore_result=True)
def flush_events() -> int:
    """Forwards pending inbox events to ClickHouse (nothing to do with the SQL store). While ClickHouse (or the
    inbox's Redis) is down the events stay in the inbox and the next tick retries them."""
    store = get_event_store()
    if not isinstance(store, ClickHouseEventStore):
        return 0
    try:
        return store.flush(follow_seconds=FLUSH_FOLLOW_SECONDS)
    except ServiceUnavailable as error:
        logger.warning("events_flush_postponed", reason=str(error))
        return 0

from datetime import UTC, datetime, timedelta
from uuid import UUID

from metering.stores.base import EventRecord, PropertyValue, SubscriptionWindow

T0 = datetime(2026, 3, 1, tzinfo=UTC)  # on an hour boundary
CODE = "storage"


def at(*, hours: float = 0, microseconds: int = 0) -> datetime:
    return T0 + timedelta(hours=hours, microseconds=microseconds)


def record(
    organization_id: UUID,
    transaction_id: str,
    timestamp: datetime,
    properties: dict[str, PropertyValue],
    *,
    subscription: str = "sub_a",
    code: str = CODE,
) -> EventRecord:
    return EventRecord(
        organization_id=organization_id,
        transaction_id=transaction_id,
        external_subscription_id=subscription,
        code=code,
        timestamp=timestamp,
        properties=properties,
        precise_total_amount_cents=None,
        ingested_at=timestamp,
    )


def window(start: datetime, end: datetime, *, subscription: str = "sub_a", recurring_from=None) -> SubscriptionWindow:
    return SubscriptionWindow(
        external_subscription_id=subscription, from_datetime=start, to_datetime=end, recurring_from=recurring_from
    )


def store_in_both(store, records) -> None:
    """Stores the records in the ClickHouse store and in the SQL store, whose answers the tests compare with."""
    from metering.stores.sql import SqlEventStore

    assert store.insert(records).accepted
    assert SqlEventStore().insert(records).accepted

"""Event API shapes. Requests are validated by metering.ingestion's plain loop (the hot path); the request
serializers here only document them. Responses match lago-python-client's EventResponse."""

from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from uuid import UUID

from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from billing.money import plain_decimal
from metering.diagnostics import Diagnostic
from metering.ingestion import MAX_ID_LENGTH, UNIX_SECONDS, datetime_from_unix_seconds
from metering.selectors import EventDetail
from metering.stores.base import EventListFilters

_UNIX_SECONDS_DESCRIPTION = "Unix seconds: an integer, a float or a numeric string. Null or absent: now."


@extend_schema_field(
    {"oneOf": [{"type": "integer"}, {"type": "number"}, {"type": "string"}], "nullable": True},
)
class UnixTimestampField(serializers.Field):
    """Documentation of the event timestamp's accepted shapes."""


class EventInputSerializer(serializers.Serializer):
    transaction_id = serializers.CharField(max_length=MAX_ID_LENGTH, help_text="Unique per subscription.")
    external_subscription_id = serializers.CharField(max_length=MAX_ID_LENGTH)
    code = serializers.CharField(max_length=MAX_ID_LENGTH, help_text="The billable metric's code.")
    timestamp = UnixTimestampField(required=False, help_text=_UNIX_SECONDS_DESCRIPTION)
    properties = serializers.DictField(
        required=False, allow_null=True, help_text="Flat: string, number, boolean or null values."
    )
    precise_total_amount_cents = serializers.DecimalField(
        max_digits=40, decimal_places=15, required=False, allow_null=True
    )


class EventBatchInputSerializer(serializers.Serializer):
    events = EventInputSerializer(many=True)


@extend_schema_field(OpenApiTypes.DATETIME)
class MillisecondDateTimeField(serializers.Field):
    """Renders "2022-04-29T08:59:51.500Z": event timestamps may carry fractions of a second."""

    def to_representation(self, value: datetime) -> str:
        return _milliseconds(value)


class EventSerializer(serializers.Serializer):
    """An event as Lago's clients read it, plus `ingested_at` and `diagnostics`."""

    # The declared fields document the response for the schema; to_representation renders the same keys by hand
    # (a test holds the two equal), since DRF's per-field rendering of a 100-event batch cost as much as storing it.

    lago_id = serializers.UUIDField(source="event.lago_id")
    transaction_id = serializers.CharField(source="event.transaction_id")
    lago_customer_id = serializers.UUIDField(allow_null=True)
    lago_subscription_id = serializers.UUIDField(allow_null=True)
    external_subscription_id = serializers.CharField(source="event.external_subscription_id")
    code = serializers.CharField(source="event.code")
    timestamp = MillisecondDateTimeField(source="event.timestamp")
    properties = serializers.DictField(source="event.properties")
    precise_total_amount_cents = serializers.CharField(
        source="event.precise_total_amount_cents", allow_null=True, help_text="A decimal string."
    )
    ingested_at = serializers.DateTimeField(source="event.ingested_at")
    created_at = serializers.DateTimeField(source="event.ingested_at", help_text="Same as ingested_at.")
    diagnostics = serializers.ListField(
        source="event.diagnostics",
        child=serializers.ChoiceField(choices=[code.value for code in Diagnostic]),
        help_text="Why the event may not be counted; empty when it will be.",
    )

    def to_representation(self, instance: EventDetail) -> dict:
        event = instance.event
        ingested_at = _seconds(event.ingested_at)
        return {
            "lago_id": str(event.lago_id),
            "transaction_id": event.transaction_id,
            "lago_customer_id": _optional_str(instance.lago_customer_id),
            "lago_subscription_id": _optional_str(instance.lago_subscription_id),
            "external_subscription_id": event.external_subscription_id,
            "code": event.code,
            "timestamp": _milliseconds(event.timestamp),
            "properties": event.properties,
            "precise_total_amount_cents": _decimal_string(event.precise_total_amount_cents),
            "ingested_at": ingested_at,
            "created_at": ingested_at,
            "diagnostics": list(event.diagnostics),
        }


# A batch's events share their ingested_at and often their timestamp: each is formatted once.
@lru_cache(maxsize=4096)
def _milliseconds(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@lru_cache(maxsize=4096)
def _seconds(value: datetime) -> str:
    return value.astimezone(UTC).strftime(api_settings.DATETIME_FORMAT)


def _optional_str(value: UUID | None) -> str | None:
    return None if value is None else _uuid_text(value.int)


@lru_cache(maxsize=4096)  # a batch's events share a few subscriptions and customers; keyed by the int, hashed in C
def _uuid_text(number: int) -> str:
    return str(UUID(int=number))


def _decimal_string(amount: Decimal | None) -> str | None:
    """Without the storage's trailing zeros: "12.5", not "12.500000000000000"."""
    if amount is None:
        return None
    return plain_decimal(amount)


class EventListFiltersInputSerializer(serializers.Serializer):
    external_subscription_id = serializers.CharField(required=False, max_length=MAX_ID_LENGTH)
    code = serializers.CharField(required=False, max_length=MAX_ID_LENGTH)
    timestamp_from = serializers.CharField(required=False, help_text="ISO 8601 or Unix seconds; inclusive.")
    timestamp_to = serializers.CharField(required=False, help_text="ISO 8601 or Unix seconds; inclusive.")
    diagnostic = serializers.ChoiceField(required=False, choices=[code.value for code in Diagnostic])
    with_diagnostics = serializers.ChoiceField(required=False, choices=["true", "false"])

    def validate_timestamp_from(self, value: str) -> datetime:
        return _instant(value)

    def validate_timestamp_to(self, value: str) -> datetime:
        return _instant(value)

    def validate(self, attrs) -> EventListFilters:
        if "with_diagnostics" in attrs:
            attrs["with_diagnostics"] = attrs["with_diagnostics"] == "true"
        return EventListFilters(**attrs)


def _instant(value: str) -> datetime:
    """ISO 8601 (UTC when naive) or Unix seconds."""
    try:
        if UNIX_SECONDS.match(value):
            return datetime_from_unix_seconds(Decimal(value))
        parsed = parse_datetime(value)
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None:
        raise serializers.ValidationError("invalid_date", code="invalid_date")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)

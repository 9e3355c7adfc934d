"""Serializer fields for invoices and fees: amounts in the currency of the object, exact decimals, list filters."""

from datetime import UTC, datetime, time

from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import get_attribute

from billing.money import plain_decimal, to_cents

INVALID_DATE = "invalid_date"


@extend_schema_field(OpenApiTypes.INT)
class AmountCentsField(serializers.Field):
    """A Decimal amount in major units, as integer minor units of the currency found at `currency_source`."""

    def __init__(self, *, currency_source: str = "currency", **kwargs):
        kwargs["read_only"] = True
        self.currency_attrs = currency_source.split(".")
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return super().get_attribute(instance), get_attribute(instance, self.currency_attrs)

    def to_representation(self, value):
        amount, currency = value
        return to_cents(amount, currency)


@extend_schema_field(OpenApiTypes.STR)
class ExactDecimalField(serializers.Field):
    """A Decimal as a plain string without trailing zeros or exponent: "0.0125", "12", "0"."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return plain_decimal(value)


@extend_schema_field(OpenApiTypes.DOUBLE)
class PercentField(serializers.Field):
    """A tax rate in percent, a JSON number as Lago renders it."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return float(value)


@extend_schema_field(OpenApiTypes.DATE)
class QueryDateField(serializers.Field):
    """A query parameter holding an ISO 8601 date (2022-04-29); anything else is `invalid_date`."""

    def to_internal_value(self, data):
        try:
            parsed = parse_date(data) if isinstance(data, str) else None
        except ValueError:  # well formed but impossible, e.g. 2022-02-30
            parsed = None
        if parsed is None:
            raise serializers.ValidationError(INVALID_DATE, code=INVALID_DATE)
        return parsed


@extend_schema_field(OpenApiTypes.DATETIME)
class QueryInstantField(serializers.Field):
    """A query parameter holding an ISO 8601 date-time (UTC when it has no offset) or a date (its start, UTC)."""

    def to_internal_value(self, data):
        parsed = None
        if isinstance(data, str):
            try:
                parsed = parse_datetime(data)
                if parsed is None and (day := parse_date(data)) is not None:
                    parsed = datetime.combine(day, time.min)
            except ValueError:
                parsed = None
        if parsed is None:
            raise serializers.ValidationError(INVALID_DATE, code=INVALID_DATE)
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


class BooleanQueryField(serializers.ChoiceField):
    """A query parameter "true" or "false", as a bool."""

    def __init__(self, **kwargs):
        super().__init__(choices=["true", "false"], **kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(data) == "true"


@extend_schema_field(OpenApiTypes.INT)
class ZeroCentsField(serializers.Field):
    """An amount of something the platform does not have yet (credit notes, prepaid credits): always 0."""

    def __init__(self, **kwargs):
        kwargs.update(read_only=True, source="*")
        super().__init__(**kwargs)

    def to_representation(self, value):
        return 0


def given_query_params(query_params) -> dict[str, str]:
    """The query parameters with a value: `?status=` filters nothing, as an absent parameter."""
    return {name: value for name, value in query_params.items() if value != ""}

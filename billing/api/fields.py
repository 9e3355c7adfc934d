"""Serializer fields for Lago's wire conventions: integer cents, decimal strings, ISO 4217 and IANA names."""

import zoneinfo
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.money import is_valid_currency, to_cents


@extend_schema_field(OpenApiTypes.INT)
class MoneyCentsField(serializers.Field):
    """Reads a django-money Money attribute and renders it as integer minor units (`*_amount_cents`)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return to_cents(value.amount, str(value.currency))


@extend_schema_field(OpenApiTypes.STR)
class CurrencyField(serializers.CharField):
    default_error_messages = {"currency": "value_is_invalid"}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 3)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value and not is_valid_currency(value):
            raise serializers.ValidationError("value_is_invalid", code="value_is_invalid")
        return value


class TimezoneField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value:
            try:
                zoneinfo.ZoneInfo(value)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise serializers.ValidationError("invalid_timezone", code="invalid_timezone") from None
        return value


class StrictIntegerField(serializers.IntegerField):
    """An integer that refuses strings, booleans and floats ("10", true, 1.5), as a typed API should."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            raise serializers.ValidationError("invalid_type", code="invalid_type")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            raise serializers.ValidationError("invalid_type", code="invalid_type")
        return data


@extend_schema_field(OpenApiTypes.STR)
class DecimalStringField(serializers.Field):
    """A decimal amount given as a string ("0.22"), kept as Decimal; numbers and non-finite values are refused."""

    def __init__(self, *, min_value: Decimal | None = None, **kwargs):
        self.min_value = min_value
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError("invalid_type", code="invalid_type")
        try:
            value = Decimal(data.strip())
        except InvalidOperation:
            raise serializers.ValidationError("invalid_value", code="invalid_value") from None
        if not value.is_finite():
            raise serializers.ValidationError("invalid_value", code="invalid_value")
        if self.min_value is not None and value < self.min_value:
            raise serializers.ValidationError("value_is_out_of_range", code="value_is_out_of_range")
        return value

    def to_representation(self, value):
        return str(value)


class StrictCharField(serializers.CharField):
    """A string that refuses numbers, booleans, lists and objects instead of coercing them."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError("invalid_type", code="invalid_type")
        return super().to_internal_value(data)


class BlankAsNullCharField(serializers.CharField):
    """Output: the model's empty strings render as Lago's `null`."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value or None


class NestedInputSerializer(serializers.Serializer):
    """A nested input object: anything but an object is "invalid_type" on its own path."""

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            raise serializers.ValidationError("invalid_type", code="invalid_type")
        return super().to_internal_value(data)

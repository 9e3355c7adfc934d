"""Input fields for customer payloads: strict strings whose `null` clears the value, as Lago's upsert allows."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.api.fields import BlankAsNullCharField, CurrencyField, StrictCharField, TimezoneField
from customers.validators import validate_country_code


class NullClearsMixin:
    """`null` on an optional text field means "remove the value", stored as an empty string."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)

    def validate_empty_values(self, data):
        if data is None:
            return True, ""
        return super().validate_empty_values(data)


class OptionalTextField(NullClearsMixin, StrictCharField):
    pass


class OptionalChoiceField(NullClearsMixin, serializers.ChoiceField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError("invalid_type", code="invalid_type")
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.STR)
class OptionalCurrencyField(NullClearsMixin, CurrencyField):
    pass


@extend_schema_field(OpenApiTypes.STR)
class OptionalTimezoneField(NullClearsMixin, TimezoneField):
    pass


class OptionalCountryField(OptionalTextField):
    """ISO 3166-1 alpha-2, accepted in any case and stored upper-case."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validators", [validate_country_code])
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(data).upper()


__all__ = [
    "BlankAsNullCharField",
    "OptionalChoiceField",
    "OptionalCountryField",
    "OptionalCurrencyField",
    "OptionalTextField",
    "OptionalTimezoneField",
    "StrictCharField",
]

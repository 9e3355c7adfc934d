"""Request and response shapes of /taxes, in Lago's wire format; TaxSerializer also renders the `taxes` of
customers, plans and charges."""

from decimal import Decimal, InvalidOperation

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.api.fields import BlankAsNullCharField, StrictBooleanField, StrictCharField
from taxes.models import MAX_RATE, MIN_RATE, Tax
from taxes.services import RATE_DECIMAL_PLACES


def _max_length(field: str) -> int:
    return Tax._meta.get_field(field).max_length


@extend_schema_field({"oneOf": [{"type": "number"}, {"type": "string"}], "example": 20.0})
class TaxRateField(serializers.Field):
    """A percent from 0 to 100: a JSON number, as the Python client sends it, or a decimal string ("20.0"), as
    Lago's OpenAPI describes it. Kept as Decimal; booleans and other types are refused."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float, str)):
            raise serializers.ValidationError("invalid_type", code="invalid_type")
        try:
            value = Decimal(str(data).strip())
        except InvalidOperation:
            raise serializers.ValidationError("invalid_value", code="invalid_value") from None
        if not value.is_finite():
            raise serializers.ValidationError("invalid_value", code="invalid_value")
        if not MIN_RATE <= value <= MAX_RATE or value != round(value, RATE_DECIMAL_PLACES):
            raise serializers.ValidationError("value_is_out_of_range", code="value_is_out_of_range")
        return value

    def to_representation(self, value):
        return float(value)


class TaxCreateInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=_max_length("name"))
    code = StrictCharField(max_length=_max_length("code"))
    rate = TaxRateField(help_text="Percent, from 0 to 100.")
    description = StrictCharField(required=False, allow_blank=True, allow_null=True)
    applied_to_organization = StrictBooleanField(
        required=False, help_text="Applies the tax to every customer, plan and charge that has none of its own."
    )

    def validate(self, attrs: dict) -> dict:
        """The keyword arguments of taxes.services.tax_create (or tax_update); a null description clears it."""
        if "description" in attrs and attrs["description"] is None:
            attrs["description"] = ""
        return attrs


class TaxUpdateInputSerializer(TaxCreateInputSerializer):
    """Only the keys present change."""

    name = StrictCharField(max_length=_max_length("name"), required=False)
    code = StrictCharField(max_length=_max_length("code"), required=False)
    rate = TaxRateField(required=False, help_text="Percent, from 0 to 100.")


class TaxSerializer(serializers.Serializer):
    """Needs the usage counts annotated by taxes.selectors.with_usage_counts."""

    lago_id = serializers.UUIDField(source="id")
    name = serializers.CharField()
    code = serializers.CharField()
    rate = TaxRateField(read_only=True)
    description = BlankAsNullCharField()
    applied_to_organization = serializers.BooleanField()
    add_ons_count = serializers.SerializerMethodField()
    charges_count = serializers.IntegerField()
    customers_count = serializers.IntegerField()
    plans_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()

    def get_add_ons_count(self, tax: Tax) -> int:
        return 0  # the platform has no add-ons

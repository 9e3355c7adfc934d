from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.api.fields import (
    BlankAsNullCharField,
    CurrencyField,
    MoneyCentsField,
    NestedInputSerializer,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
)
from plans.api.billable_metrics.serializers import blank_nulls
from plans.models import Charge, Plan
from plans.services.plans import ChargeFilterSpec, ChargeSpec, MinimumCommitmentSpec
from taxes.api.serializers import TaxSerializer

# Above this, a MoneyField (20 digits, 6 decimals) could not hold the amount in a currency with no minor unit.
MAX_AMOUNT_CENTS = 10**13
MAX_TRIAL_DAYS = Decimal(999_999)
TRIAL_DAYS_QUANTUM = Decimal("0.01")


@extend_schema_field(OpenApiTypes.NUMBER)
class TrialDaysField(serializers.Field):
    """Days as a JSON number (0, 14, 0.5), kept as Decimal to the hundredth; strings and booleans are refused."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise serializers.ValidationError("invalid_type", code="invalid_type")
        value = Decimal(str(data))
        if not value.is_finite() or value < 0 or value > MAX_TRIAL_DAYS or value != value.quantize(TRIAL_DAYS_QUANTUM):
            raise serializers.ValidationError("value_is_out_of_range", code="value_is_out_of_range")
        return value

    def to_representation(self, value):
        return int(value) if value == value.to_integral_value() else float(value)


class BillableMetricIdField(serializers.UUIDField):
    """A metric's lago_id; a malformed one is as unknown as a missing one."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            raise serializers.ValidationError("billable_metric_not_found", code="billable_metric_not_found") from None


class MinimumCommitmentInputSerializer(NestedInputSerializer):
    amount_cents = StrictIntegerField(min_value=0, max_value=MAX_AMOUNT_CENTS)
    invoice_display_name = StrictCharField(max_length=255, required=False, allow_blank=True, allow_null=True)

    def validate(self, attrs) -> MinimumCommitmentSpec:
        return MinimumCommitmentSpec(
            amount_cents=attrs["amount_cents"], invoice_display_name=attrs.get("invoice_display_name") or ""
        )


class ChargeFilterInputSerializer(NestedInputSerializer):
    invoice_display_name = StrictCharField(max_length=255, required=False, allow_blank=True, allow_null=True)
    properties = serializers.DictField(required=False)
    values = serializers.DictField(
        child=serializers.ListField(child=StrictCharField(max_length=255), allow_empty=False), allow_empty=False
    )

    def validate(self, attrs) -> ChargeFilterSpec:
        return ChargeFilterSpec(
            values={key: list(dict.fromkeys(values)) for key, values in attrs["values"].items()},
            properties=attrs.get("properties", {}),
            invoice_display_name=attrs.get("invoice_display_name") or "",
        )


class ChargeInputSerializer(NestedInputSerializer):
    id = serializers.UUIDField(required=False, allow_null=True, help_text="An existing charge of the plan to update.")
    billable_metric_id = BillableMetricIdField(help_text="The lago_id of one of the organization's billable metrics.")
    charge_model = serializers.ChoiceField(choices=Charge.ChargeModel.choices)
    pay_in_advance = StrictBooleanField(required=False)
    invoiceable = StrictBooleanField(required=False)
    prorated = StrictBooleanField(required=False)
    min_amount_cents = StrictIntegerField(min_value=0, max_value=MAX_AMOUNT_CENTS, required=False)
    invoice_display_name = StrictCharField(max_length=255, required=False, allow_blank=True, allow_null=True)
    properties = serializers.DictField(required=False, help_text="Validated strictly per charge_model.")
    filters = serializers.ListField(child=ChargeFilterInputSerializer(), required=False)
    tax_codes = serializers.ListField(
        child=StrictCharField(),
        required=False,
        help_text="Replaces the charge's taxes ([] removes them); absent, an updated charge keeps its own.",
    )

    def validate(self, attrs) -> ChargeSpec:
        attrs = blank_nulls(attrs, ("invoice_display_name",))
        attrs["filters"] = tuple(attrs.get("filters", ()))
        if "tax_codes" in attrs:
            attrs["tax_codes"] = tuple(attrs["tax_codes"])
        return ChargeSpec(**attrs)


class PlanCreateInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=255)
    code = StrictCharField(max_length=255)
    interval = serializers.ChoiceField(choices=Plan.Interval.choices)
    amount_cents = StrictIntegerField(min_value=0, max_value=MAX_AMOUNT_CENTS)
    amount_currency = CurrencyField()
    description = StrictCharField(required=False, allow_blank=True, allow_null=True)
    invoice_display_name = StrictCharField(max_length=255, required=False, allow_blank=True, allow_null=True)
    pay_in_advance = StrictBooleanField(required=False)
    trial_period = TrialDaysField(required=False)
    bill_charges_monthly = StrictBooleanField(
        required=False, allow_null=True, help_text="Only for yearly and semiannual plans."
    )
    minimum_commitment = MinimumCommitmentInputSerializer(required=False, allow_null=True)
    tax_codes = serializers.ListField(
        child=StrictCharField(), required=False, help_text="Replaces the plan's taxes; [] removes them."
    )
    charges = serializers.ListField(child=ChargeInputSerializer(), required=False)

    def validate(self, attrs):
        return blank_nulls(attrs, ("description", "invoice_display_name"))


class PlanUpdateInputSerializer(PlanCreateInputSerializer):
    """Only the keys present change; `charges` replaces the set, `minimum_commitment: null` removes it."""

    name = StrictCharField(max_length=255, required=False)
    code = StrictCharField(max_length=255, required=False)
    interval = serializers.ChoiceField(choices=Plan.Interval.choices, required=False)
    amount_cents = StrictIntegerField(min_value=0, max_value=MAX_AMOUNT_CENTS, required=False)
    amount_currency = CurrencyField(required=False)


class ChargeFilterSerializer(serializers.Serializer):
    invoice_display_name = BlankAsNullCharField()
    properties = serializers.DictField()
    values = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ChargeSerializer(serializers.Serializer):
    lago_id = serializers.UUIDField(source="id")
    lago_billable_metric_id = serializers.UUIDField(source="billable_metric_id")
    billable_metric_code = serializers.CharField(source="billable_metric.code")
    created_at = serializers.DateTimeField()
    charge_model = serializers.CharField()
    pay_in_advance = serializers.BooleanField()
    invoiceable = serializers.BooleanField()
    prorated = serializers.BooleanField()
    invoice_display_name = BlankAsNullCharField()
    min_amount_cents = MoneyCentsField(source="min_amount")
    properties = serializers.DictField()
    filters = ChargeFilterSerializer(many=True)
    taxes = TaxSerializer(many=True)


class MinimumCommitmentSerializer(serializers.Serializer):
    lago_id = serializers.UUIDField(source="id")
    amount_cents = MoneyCentsField(source="amount")
    interval = serializers.CharField(source="plan.interval")
    invoice_display_name = BlankAsNullCharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    taxes = serializers.SerializerMethodField()

    @extend_schema_field(TaxSerializer(many=True))
    def get_taxes(self, commitment) -> list:
        return []  # a commitment has no taxes of its own: its fee takes the plan's


class PlanSerializer(serializers.Serializer):
    lago_id = serializers.UUIDField(source="id")
    name = serializers.CharField()
    invoice_display_name = BlankAsNullCharField()
    created_at = serializers.DateTimeField()
    code = serializers.CharField()
    interval = serializers.CharField()
    description = BlankAsNullCharField()
    amount_cents = MoneyCentsField(source="amount")
    amount_currency = serializers.CharField()
    trial_period = TrialDaysField(read_only=True)
    pay_in_advance = serializers.BooleanField()
    bill_charges_monthly = serializers.BooleanField(allow_null=True)
    minimum_commitment = MinimumCommitmentSerializer(allow_null=True)
    charges = ChargeSerializer(many=True)
    taxes = TaxSerializer(many=True)

from rest_framework import serializers

from billing.api.fields import (
    BlankAsNullCharField,
    NestedInputSerializer,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
)
from plans.models import BillableMetric
from plans.services.billable_metrics import MetricFilterSpec

NULLABLE_TEXT_FIELDS = ("description", "field_name", "weighted_interval", "rounding_function")


def blank_nulls(attrs: dict, fields: tuple[str, ...]) -> dict:
    """Input: an explicit null clears a text field, which is stored as ""."""
    return {key: "" if key in fields and value is None else value for key, value in attrs.items()}


class BillableMetricFilterInputSerializer(NestedInputSerializer):
    key = StrictCharField(max_length=255)
    values = serializers.ListField(child=StrictCharField(max_length=255), allow_empty=False)

    def validate(self, attrs) -> MetricFilterSpec:
        return MetricFilterSpec(key=attrs["key"], values=tuple(attrs["values"]))


class BillableMetricCreateInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=255)
    code = StrictCharField(max_length=255)
    description = StrictCharField(required=False, allow_blank=True, allow_null=True)
    aggregation_type = serializers.ChoiceField(choices=BillableMetric.AggregationType.choices)
    field_name = StrictCharField(max_length=255, required=False, allow_blank=True, allow_null=True)
    recurring = StrictBooleanField(required=False)
    weighted_interval = serializers.ChoiceField(
        choices=BillableMetric.WeightedInterval.choices, required=False, allow_null=True
    )
    rounding_function = serializers.ChoiceField(
        choices=BillableMetric.RoundingFunction.choices, required=False, allow_null=True
    )
    rounding_precision = StrictIntegerField(min_value=-15, max_value=15, required=False, allow_null=True)
    filters = serializers.ListField(child=BillableMetricFilterInputSerializer(), required=False)

    def validate(self, attrs):
        return blank_nulls(attrs, NULLABLE_TEXT_FIELDS)


class BillableMetricUpdateInputSerializer(BillableMetricCreateInputSerializer):
    """Only the keys present change; `filters`, when present, replaces the metric's filters."""

    name = StrictCharField(max_length=255, required=False)
    code = StrictCharField(max_length=255, required=False)
    aggregation_type = serializers.ChoiceField(choices=BillableMetric.AggregationType.choices, required=False)


class BillableMetricFilterSerializer(serializers.Serializer):
    key = serializers.CharField()
    values = serializers.ListField(child=serializers.CharField())


class BillableMetricSerializer(serializers.Serializer):
    lago_id = serializers.UUIDField(source="id")
    name = serializers.CharField()
    code = serializers.CharField()
    description = BlankAsNullCharField()
    aggregation_type = serializers.CharField()
    field_name = BlankAsNullCharField()
    recurring = serializers.BooleanField()
    weighted_interval = BlankAsNullCharField()
    rounding_function = BlankAsNullCharField()
    rounding_precision = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    filters = BillableMetricFilterSerializer(many=True)

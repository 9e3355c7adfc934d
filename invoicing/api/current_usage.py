"""GET /api/v1/customers/:external_id/current_usage?external_subscription_id=: the open period's usage so far."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from billing.api.schema import enveloped, errors
from billing.api.views import OrganizationAPIView
from invoicing.selectors.current_usage import current_usage


class CurrentUsageQuerySerializer(serializers.Serializer):
    external_subscription_id = serializers.CharField(max_length=255)
    apply_taxes = serializers.ChoiceField(choices=["true", "false"], required=False, default="true")


class UsageChargeSerializer(serializers.Serializer):
    lago_id = serializers.UUIDField()
    charge_model = serializers.CharField()
    invoice_display_name = serializers.CharField(allow_null=True)


class UsageMetricSerializer(serializers.Serializer):
    lago_id = serializers.UUIDField()
    name = serializers.CharField()
    code = serializers.CharField()
    aggregation_type = serializers.CharField()


class UsageFilterSerializer(serializers.Serializer):
    invoice_display_name = serializers.CharField(allow_null=True)
    values = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), allow_null=True)
    units = serializers.CharField(help_text="Decimal string")
    total_aggregated_units = serializers.CharField()
    amount_cents = serializers.IntegerField()
    events_count = serializers.IntegerField()


class GroupedUsageSerializer(serializers.Serializer):
    amount_cents = serializers.IntegerField()
    events_count = serializers.IntegerField()
    units = serializers.CharField()
    total_aggregated_units = serializers.CharField()
    grouped_by = serializers.DictField(child=serializers.CharField(allow_null=True))
    filters = UsageFilterSerializer(many=True)


class ChargeUsageSerializer(serializers.Serializer):
    units = serializers.CharField()
    total_aggregated_units = serializers.CharField()
    events_count = serializers.IntegerField()
    amount_cents = serializers.IntegerField()
    amount_currency = serializers.CharField()
    charge = UsageChargeSerializer()
    billable_metric = UsageMetricSerializer()
    filters = UsageFilterSerializer(many=True)
    grouped_usage = GroupedUsageSerializer(many=True)


class CustomerUsageSerializer(serializers.Serializer):
    from_datetime = serializers.DateTimeField()
    to_datetime = serializers.DateTimeField()
    issuing_date = serializers.DateField()
    lago_invoice_id = serializers.UUIDField(allow_null=True)
    currency = serializers.CharField()
    amount_cents = serializers.IntegerField()
    taxes_amount_cents = serializers.IntegerField()
    total_amount_cents = serializers.IntegerField()
    charges_usage = ChargeUsageSerializer(many=True)


class CurrentUsageView(OrganizationAPIView):
    resource_name = "customer"

    @extend_schema(
        parameters=[
            OpenApiParameter("external_subscription_id", str, required=True),
            OpenApiParameter("apply_taxes", bool, description="Default true"),
        ],
        responses={200: enveloped("customer_usage", CustomerUsageSerializer), **errors(404, 422)},
        operation_id="customers_current_usage",
        summary="Usage of the subscription's open billing period, priced as its invoice will be",
        description="Cached until the next event for the subscription arrives.",
        tags=["customers"],
    )
    def get(self, request, external_id: str):
        query = self.validated(CurrentUsageQuerySerializer, request.query_params)
        usage = current_usage(
            organization=self.organization,
            external_customer_id=external_id,
            external_subscription_id=query["external_subscription_id"],
            apply_taxes=query["apply_taxes"] == "true",
        )
        return Response({"customer_usage": usage})

"""Request and response shapes of /subscriptions, in Lago's wire format."""

from datetime import date

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.api.fields import MoneyCentsField, StrictCharField
from plans.models import Subscription
from plans.selectors.subscriptions import (
    subscription_current_billing_period,
    subscription_downgrade_date,
    subscription_pending_plan_change,
)

MAX_LENGTH = Subscription._meta.get_field("external_id").max_length
_datetime = serializers.DateTimeField()


@extend_schema_field(OpenApiTypes.DATETIME)
class IsoDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time; anything else is Lago's `invalid_date`."""

    def to_internal_value(self, value):
        if not isinstance(value, str):
            raise serializers.ValidationError("invalid_date", code="invalid_date")
        try:
            return super().to_internal_value(value)
        except serializers.ValidationError:
            raise serializers.ValidationError("invalid_date", code="invalid_date") from None


class SubscriptionCreateInputSerializer(serializers.Serializer):
    external_customer_id = StrictCharField(max_length=MAX_LENGTH)
    plan_code = StrictCharField(max_length=MAX_LENGTH)
    external_id = StrictCharField(max_length=MAX_LENGTH)
    name = StrictCharField(max_length=MAX_LENGTH, required=False, allow_blank=True)
    billing_time = serializers.ChoiceField(choices=Subscription.BillingTime.choices, required=False)
    subscription_at = IsoDateTimeField(required=False, allow_null=True)
    ending_at = IsoDateTimeField(required=False, allow_null=True)


class SubscriptionUpdateInputSerializer(serializers.Serializer):
    """Only the keys present change; `ending_at: null` removes the end date."""

    name = StrictCharField(max_length=MAX_LENGTH, required=False, allow_blank=True)
    ending_at = IsoDateTimeField(required=False, allow_null=True)
    subscription_at = IsoDateTimeField(required=False)


class SubscriptionStatusQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Subscription.Status.choices, required=False)


class SubscriptionListQuerySerializer(serializers.Serializer):
    external_customer_id = serializers.CharField(required=False, allow_blank=True)
    plan_code = serializers.CharField(required=False, allow_blank=True)
    status = serializers.ListField(
        child=serializers.ChoiceField(choices=Subscription.Status.choices), required=False, default=list
    )


class SubscriptionSerializer(serializers.Serializer):
    lago_id = serializers.UUIDField(source="id")
    external_id = serializers.CharField()
    lago_customer_id = serializers.UUIDField(source="customer_id")
    external_customer_id = serializers.CharField(source="customer.external_id")
    name = serializers.CharField()
    plan_code = serializers.CharField(source="plan.code")
    plan_amount_cents = MoneyCentsField(source="plan.amount")
    plan_amount_currency = serializers.CharField(source="plan.amount_currency")
    status = serializers.ChoiceField(choices=Subscription.Status.choices)
    billing_time = serializers.ChoiceField(choices=Subscription.BillingTime.choices)
    subscription_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    trial_ended_at = serializers.DateTimeField(allow_null=True)
    ending_at = serializers.DateTimeField(allow_null=True)
    terminated_at = serializers.DateTimeField(allow_null=True)
    canceled_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    previous_plan_code = serializers.SerializerMethodField()
    next_plan_code = serializers.SerializerMethodField()
    downgrade_plan_date = serializers.SerializerMethodField()
    current_billing_period_started_at = serializers.SerializerMethodField()
    current_billing_period_ending_at = serializers.SerializerMethodField()

    def get_previous_plan_code(self, subscription: Subscription) -> str | None:
        previous = subscription.previous_subscription
        return previous.plan.code if previous else None

    def get_next_plan_code(self, subscription: Subscription) -> str | None:
        plan_change = subscription_pending_plan_change(subscription=subscription)
        return plan_change.plan.code if plan_change else None

    def get_downgrade_plan_date(self, subscription: Subscription) -> date | None:
        return subscription_downgrade_date(subscription=subscription)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_current_billing_period_started_at(self, subscription: Subscription) -> str | None:
        period = subscription_current_billing_period(subscription=subscription)
        return _datetime.to_representation(period.start) if period else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_current_billing_period_ending_at(self, subscription: Subscription) -> str | None:
        period = subscription_current_billing_period(subscription=subscription)
        return _datetime.to_representation(period.end) if period else None

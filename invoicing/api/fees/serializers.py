"""Request and response shapes of /fees, in Lago's wire format; FeeSerializer also renders an invoice's fees."""

from django.core.exceptions import ObjectDoesNotExist
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.api.fields import BlankAsNullCharField, CurrencyField
from invoicing.api.fields import AmountCentsField, ExactDecimalField, PercentField, QueryInstantField
from invoicing.models import Fee, Invoice
from invoicing.selectors.invoices import FeeFilters

MAX_ID_LENGTH = 255
FeeType = Fee.FeeType


class FeeListQuerySerializer(serializers.Serializer):
    external_subscription_id = serializers.CharField(required=False, max_length=MAX_ID_LENGTH)
    external_customer_id = serializers.CharField(required=False, max_length=MAX_ID_LENGTH)
    fee_type = serializers.ChoiceField(required=False, choices=FeeType.choices)
    billable_metric_code = serializers.CharField(required=False, max_length=MAX_ID_LENGTH)
    event_transaction_id = serializers.CharField(
        required=False, max_length=MAX_ID_LENGTH, help_text="The event a fee of a charge paid in advance bills."
    )
    currency = CurrencyField(required=False)
    payment_status = serializers.ChoiceField(
        required=False, choices=Invoice.PaymentStatus.choices, help_text="The payment status of the fee's invoice."
    )
    created_at_from = QueryInstantField(required=False, help_text="ISO 8601; inclusive.")
    created_at_to = QueryInstantField(required=False, help_text="ISO 8601; inclusive.")

    def validate(self, attrs: dict) -> FeeFilters:
        return FeeFilters(**attrs)


class FeeAppliedTaxSerializer(serializers.Serializer):
    lago_id = serializers.UUIDField(source="id")
    lago_fee_id = serializers.UUIDField(source="fee_id")
    lago_tax_id = serializers.UUIDField(source="tax_id", allow_null=True)
    tax_name = serializers.CharField()
    tax_code = serializers.CharField()
    tax_rate = PercentField()
    tax_description = BlankAsNullCharField()
    amount_cents = AmountCentsField(source="amount", currency_source="fee.currency")
    amount_currency = serializers.CharField(source="fee.currency")
    created_at = serializers.DateTimeField()


class FeeItemSerializer(serializers.Serializer):
    """What the fee bills: the plan (subscription fee), a metric (charge fee) or the minimum commitment."""

    ITEM_TYPES = {
        FeeType.SUBSCRIPTION: "Subscription",
        FeeType.CHARGE: "BillableMetric",
        FeeType.COMMITMENT: "Commitment",
    }

    type = serializers.ChoiceField(source="fee_type", choices=FeeType.choices)
    code = serializers.CharField(source="item_code")
    name = serializers.CharField(source="item_name")
    invoice_display_name = serializers.SerializerMethodField()
    filter_invoice_display_name = serializers.SerializerMethodField()
    filters = serializers.SerializerMethodField()
    lago_item_id = serializers.SerializerMethodField()
    item_type = serializers.SerializerMethodField()
    grouped_by = serializers.DictField(child=serializers.CharField(allow_null=True))

    def get_invoice_display_name(self, fee: Fee) -> str:
        return fee.invoice_display_name or fee.item_name

    def get_filter_invoice_display_name(self, fee: Fee) -> str | None:
        if fee.charge_filter is not None and fee.charge_filter.invoice_display_name:
            return fee.charge_filter.invoice_display_name
        values = [value for values in fee.filter_values.values() for value in values]
        return ", ".join(values) or None

    def get_filters(self, fee: Fee) -> dict[str, list[str]] | None:
        return fee.filter_values or None

    def get_lago_item_id(self, fee: Fee) -> str | None:
        if fee.fee_type == FeeType.CHARGE:
            return str(fee.charge.billable_metric_id) if fee.charge is not None else None
        if fee.fee_type == FeeType.COMMITMENT:
            try:
                return str(fee.subscription.plan.minimum_commitment.id)
            except ObjectDoesNotExist:  # the plan's commitment was removed after billing
                return None
        return str(fee.subscription_id)

    def get_item_type(self, fee: Fee) -> str:
        return self.ITEM_TYPES[fee.fee_type]


class FeeSerializer(serializers.Serializer):
    """Needs the rows loaded by invoicing.selectors.invoices (invoice with its customer, charge, subscription)."""

    lago_id = serializers.UUIDField(source="id")
    lago_charge_id = serializers.UUIDField(source="charge_id", allow_null=True)
    lago_charge_filter_id = serializers.UUIDField(source="charge_filter_id", allow_null=True)
    lago_invoice_id = serializers.UUIDField(
        source="invoice_id", allow_null=True, help_text="None for a fee paid in advance that is not invoiceable."
    )
    lago_true_up_fee_id = serializers.SerializerMethodField()
    lago_true_up_parent_fee_id = serializers.UUIDField(source="true_up_parent_id", allow_null=True)
    lago_subscription_id = serializers.UUIDField(source="subscription_id")
    external_subscription_id = serializers.CharField(source="subscription.external_id")
    lago_customer_id = serializers.UUIDField(source="billed_customer.id")
    external_customer_id = serializers.CharField(source="billed_customer.external_id")
    amount_cents = AmountCentsField(source="amount")
    precise_amount = ExactDecimalField(help_text="The amount before rounding, in major units.")
    amount_currency = serializers.CharField(source="currency")
    taxes_amount_cents = AmountCentsField(source="taxes_amount")
    taxes_rate = PercentField(help_text="Sum of the applied taxes' rates, percent.")
    sub_total_excluding_taxes_amount_cents = AmountCentsField(source="amount")
    total_amount_cents = AmountCentsField(source="total_amount")
    total_amount_currency = serializers.CharField(source="currency")
    units = ExactDecimalField()
    total_aggregated_units = ExactDecimalField(source="units")
    events_count = serializers.IntegerField()
    precise_unit_amount = ExactDecimalField(help_text="Major units per unit.")
    pay_in_advance = serializers.BooleanField()
    invoiceable = serializers.SerializerMethodField()
    event_transaction_id = serializers.CharField(allow_null=True)
    from_date = serializers.DateTimeField(source="from_datetime")
    to_date = serializers.DateTimeField(source="to_datetime")
    payment_status = serializers.SerializerMethodField()
    amount_details = serializers.DictField()
    created_at = serializers.DateTimeField()
    item = FeeItemSerializer(source="*")
    applied_taxes = FeeAppliedTaxSerializer(many=True)

    def get_lago_true_up_fee_id(self, fee: Fee) -> str | None:
        try:
            return str(fee.true_up_fee.id)
        except ObjectDoesNotExist:
            return None

    def get_invoiceable(self, fee: Fee) -> bool:
        return fee.invoice_id is not None  # only fees of charges paid in advance that are not invoiceable have none

    @extend_schema_field(serializers.ChoiceField(choices=Invoice.PaymentStatus.choices))
    def get_payment_status(self, fee: Fee) -> str:
        """The invoice's; a fee on no invoice has not been paid through one."""
        return fee.invoice.payment_status if fee.invoice is not None else Invoice.PaymentStatus.PENDING

"""Request and response shapes of /invoices, in Lago's wire format."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.api.fields import BlankAsNullCharField, CurrencyField, NestedInputSerializer, StrictCharField
from billing.money import to_cents
from customers.api.serializers import CustomerSerializer
from invoicing.api.fees.serializers import FeeSerializer
from invoicing.api.fields import AmountCentsField, BooleanQueryField, PercentField, QueryDateField, ZeroCentsField
from invoicing.models import Invoice, InvoiceSubscription
from invoicing.pdf.links import invoice_file_url
from invoicing.selectors.invoices import InvoiceFilters
from plans.api.subscriptions.serializers import SubscriptionSerializer

MAX_LENGTH = 255
LAGO_INVOICE_VERSION = 4
_datetime = serializers.DateTimeField()


class InvoiceListQuerySerializer(serializers.Serializer):
    external_customer_id = serializers.CharField(required=False, max_length=MAX_LENGTH)
    status = serializers.ChoiceField(required=False, choices=Invoice.Status.choices)
    payment_status = serializers.ChoiceField(required=False, choices=Invoice.PaymentStatus.choices)
    invoice_type = serializers.ChoiceField(required=False, choices=Invoice.InvoiceType.choices)
    currency = CurrencyField(required=False)
    issuing_date_from = QueryDateField(required=False, help_text="YYYY-MM-DD; inclusive.")
    issuing_date_to = QueryDateField(required=False, help_text="YYYY-MM-DD; inclusive.")
    payment_overdue = BooleanQueryField(required=False)
    search_term = serializers.CharField(
        required=False, max_length=MAX_LENGTH, help_text="Part of the number, or of the customer's name, email or id."
    )

    def validate(self, attrs: dict) -> InvoiceFilters:
        return InvoiceFilters(**attrs)


class InvoiceMetadataInputSerializer(NestedInputSerializer):
    id = StrictCharField(required=False, allow_null=True, max_length=64, help_text="Updates the item with this id.")
    key = StrictCharField(max_length=MAX_LENGTH)
    value = StrictCharField(max_length=MAX_LENGTH, allow_blank=True)


class InvoiceUpdateInputSerializer(serializers.Serializer):
    """Only the keys present change. Metadata items without an id are added; with one, they replace that item."""

    payment_status = serializers.ChoiceField(required=False, choices=Invoice.PaymentStatus.choices)
    metadata = serializers.ListField(child=InvoiceMetadataInputSerializer(), required=False)


class InvoiceMetadataSerializer(serializers.Serializer):
    lago_id = serializers.CharField(source="id")
    key = serializers.CharField()
    value = serializers.CharField()


class InvoiceAppliedTaxSerializer(serializers.Serializer):
    lago_id = serializers.UUIDField(source="id")
    lago_invoice_id = serializers.UUIDField(source="invoice_id")
    lago_tax_id = serializers.UUIDField(source="tax_id", allow_null=True)
    tax_name = serializers.CharField()
    tax_code = serializers.CharField()
    tax_rate = PercentField()
    tax_description = BlankAsNullCharField()
    amount_cents = AmountCentsField(source="amount", currency_source="invoice.currency")
    amount_currency = serializers.CharField(source="invoice.currency")
    fees_amount_cents = AmountCentsField(source="fees_amount", currency_source="invoice.currency")
    created_at = serializers.DateTimeField()


class BillingPeriodSerializer(serializers.Serializer):
    """What one subscription was billed for. A moment without a plan fee shows its usage window as the subscription
    period, and one without usage its plan period as the charges window, since Lago always has both."""

    lago_subscription_id = serializers.UUIDField(source="subscription_id")
    external_subscription_id = serializers.CharField(source="subscription.external_id")
    lago_plan_id = serializers.UUIDField(source="subscription.plan_id")
    subscription_from_datetime = serializers.SerializerMethodField()
    subscription_to_datetime = serializers.SerializerMethodField()
    charges_from_datetime = serializers.SerializerMethodField()
    charges_to_datetime = serializers.SerializerMethodField()
    invoicing_reason = serializers.ChoiceField(source="reason", choices=InvoiceSubscription.Reason.choices)

    @extend_schema_field(serializers.DateTimeField())
    def get_subscription_from_datetime(self, link: InvoiceSubscription) -> str:
        return _datetime.to_representation(link.from_datetime or link.charges_from_datetime or link.billed_at)

    @extend_schema_field(serializers.DateTimeField())
    def get_subscription_to_datetime(self, link: InvoiceSubscription) -> str:
        return _datetime.to_representation(link.to_datetime or link.charges_to_datetime or link.billed_at)

    @extend_schema_field(serializers.DateTimeField())
    def get_charges_from_datetime(self, link: InvoiceSubscription) -> str:
        return _datetime.to_representation(link.charges_from_datetime or link.from_datetime or link.billed_at)

    @extend_schema_field(serializers.DateTimeField())
    def get_charges_to_datetime(self, link: InvoiceSubscription) -> str:
        return _datetime.to_representation(link.charges_to_datetime or link.to_datetime or link.billed_at)


class BilledSubscriptionsField(serializers.ListField):
    """The subscriptions an invoice bills, read through its billing periods."""

    def __init__(self, **kwargs):
        super().__init__(child=SubscriptionSerializer(), source="invoice_subscriptions", **kwargs)

    def to_representation(self, links):
        return [self.child.to_representation(link.subscription) for link in links.all()]


FILE_URL_HELP = "A signed link to the PDF that expires; null until the PDF is rendered (POST /invoices/:id/download)."
ONLY_ON_ONE_INVOICE = "Only on a single invoice (GET /invoices/:lago_id and the actions), as in Lago."


class InvoiceSerializer(serializers.Serializer):
    lago_id = serializers.UUIDField(source="id")
    sequential_id = serializers.IntegerField()
    number = serializers.CharField()
    issuing_date = serializers.DateField()
    payment_due_date = serializers.DateField()
    payment_overdue = serializers.BooleanField()
    net_payment_term = serializers.IntegerField()
    invoice_type = serializers.ChoiceField(choices=Invoice.InvoiceType.choices)
    version_number = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=Invoice.Status.choices)
    payment_status = serializers.ChoiceField(choices=Invoice.PaymentStatus.choices)
    currency = serializers.CharField()
    fees_amount_cents = AmountCentsField(source="fees_amount")
    coupons_amount_cents = AmountCentsField(source="coupons_amount")
    taxes_amount_cents = AmountCentsField(source="taxes_amount")
    credit_notes_amount_cents = ZeroCentsField()
    progressive_billing_credit_amount_cents = ZeroCentsField()
    sub_total_excluding_taxes_amount_cents = AmountCentsField(source="sub_total_excluding_taxes_amount")
    sub_total_including_taxes_amount_cents = AmountCentsField(source="sub_total_including_taxes_amount")
    total_amount_cents = AmountCentsField(source="total_amount")
    total_due_amount_cents = serializers.SerializerMethodField()
    total_paid_amount_cents = serializers.SerializerMethodField()
    prepaid_credit_amount_cents = ZeroCentsField()
    file_url = serializers.SerializerMethodField()
    voided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    customer = CustomerSerializer()
    metadata = InvoiceMetadataSerializer(many=True)
    applied_taxes = InvoiceAppliedTaxSerializer(many=True)
    subscriptions = BilledSubscriptionsField(required=False, help_text=ONLY_ON_ONE_INVOICE)
    billing_periods = BillingPeriodSerializer(
        many=True, source="invoice_subscriptions", required=False, help_text=ONLY_ON_ONE_INVOICE
    )
    fees = FeeSerializer(many=True, required=False, help_text=ONLY_ON_ONE_INVOICE)

    def get_version_number(self, invoice: Invoice) -> int:
        return LAGO_INVOICE_VERSION

    def get_total_due_amount_cents(self, invoice: Invoice) -> int:
        return 0 if invoice.payment_status == Invoice.PaymentStatus.SUCCEEDED else self._total_cents(invoice)

    def get_total_paid_amount_cents(self, invoice: Invoice) -> int:
        return self._total_cents(invoice) if invoice.payment_status == Invoice.PaymentStatus.SUCCEEDED else 0

    @extend_schema_field(serializers.URLField(allow_null=True, help_text=FILE_URL_HELP))
    def get_file_url(self, invoice: Invoice) -> str | None:
        return invoice_file_url(invoice=invoice)

    @staticmethod
    def _total_cents(invoice: Invoice) -> int:
        return to_cents(invoice.total_amount, invoice.currency)


class InvoiceListItemSerializer(InvoiceSerializer):
    """An invoice as Lago lists it, without its subscriptions, billing periods and fees. Not a schema component of
    its own: the schema documents those fields of the one Invoice component as optional."""

    def get_fields(self):
        fields = super().get_fields()
        for name in ("subscriptions", "billing_periods", "fees"):
            del fields[name]
        return fields

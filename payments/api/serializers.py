"""Response shapes of the payments API, in Lago's wire format."""

from rest_framework import serializers


class InvoicePaymentDetailsSerializer(serializers.Serializer):
    lago_customer_id = serializers.UUIDField(source="invoice.customer_id")
    lago_invoice_id = serializers.UUIDField(source="invoice_id")
    external_customer_id = serializers.CharField(source="invoice.customer.external_id")
    payment_provider = serializers.CharField(source="provider")
    payment_url = serializers.URLField()

from django.urls import path

from payments.api.views import InvoicePaymentUrlView

urlpatterns = [
    path("invoices/<str:lago_id>/payment_url", InvoicePaymentUrlView.as_view(), name="invoice-payment-url"),
]

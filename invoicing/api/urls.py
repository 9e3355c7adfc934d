from django.urls import path

from invoicing.api.current_usage import CurrentUsageView
from invoicing.api.fees.views import FeeDetailView, FeeListView
from invoicing.api.invoices.views import (
    InvoiceDetailView,
    InvoiceDownloadView,
    InvoiceFinalizeView,
    InvoiceListView,
    InvoiceRefreshView,
    InvoiceVoidView,
)

urlpatterns = [
    path("invoices", InvoiceListView.as_view(), name="invoices"),
    path("invoices/<str:lago_id>", InvoiceDetailView.as_view(), name="invoice"),
    path("invoices/<str:lago_id>/refresh", InvoiceRefreshView.as_view(), name="invoice-refresh"),
    path("invoices/<str:lago_id>/finalize", InvoiceFinalizeView.as_view(), name="invoice-finalize"),
    path("invoices/<str:lago_id>/void", InvoiceVoidView.as_view(), name="invoice-void"),
    path("invoices/<str:lago_id>/download", InvoiceDownloadView.as_view(), name="invoice-download"),
    path("customers/<str:external_id>/current_usage", CurrentUsageView.as_view(), name="customer-current-usage"),
    path("fees", FeeListView.as_view(), name="fees"),
    path("fees/<str:lago_id>", FeeDetailView.as_view(), name="fee"),
]

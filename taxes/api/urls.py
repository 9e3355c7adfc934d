from django.urls import path

from taxes.api.views import TaxDetailView, TaxListCreateView

urlpatterns = [
    path("taxes", TaxListCreateView.as_view(), name="tax-list"),
    path("taxes/<str:code>", TaxDetailView.as_view(), name="tax-detail"),
]

"""The URL composition root: the only module, with billing/celery.py, that may import every app."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

api_v1 = [
    path("", include("customers.api.urls")),
    path("", include("taxes.api.urls")),
    path("", include("plans.api.urls")),
    path("", include("metering.api.urls")),
    path("", include("invoicing.api.urls")),
    path("", include("billing.webhooks.api.urls")),
    path("", include("payments.api.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("files/invoices/", include("invoicing.pdf.urls")),
    path("api/v1/", include(api_v1)),
    path("", include("payments.public_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]

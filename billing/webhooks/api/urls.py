from django.urls import path

from billing.webhooks.api.views import WebhookEndpointDetailView, WebhookEndpointListCreateView

urlpatterns = [
    path("webhook_endpoints", WebhookEndpointListCreateView.as_view(), name="webhook-endpoint-list"),
    path("webhook_endpoints/<str:lago_id>", WebhookEndpointDetailView.as_view(), name="webhook-endpoint-detail"),
]

from django.urls import path

from plans.api.subscriptions.views import SubscriptionDetailView, SubscriptionListCreateView

urlpatterns = [
    path("subscriptions", SubscriptionListCreateView.as_view(), name="subscriptions"),
    path("subscriptions/<str:external_id>", SubscriptionDetailView.as_view(), name="subscription-detail"),
]

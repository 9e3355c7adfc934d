from django.urls import include, path

urlpatterns = [
    path("", include("plans.api.billable_metrics.urls")),
    path("", include("plans.api.plans.urls")),
    path("", include("plans.api.subscriptions.urls")),
]

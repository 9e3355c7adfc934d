from django.urls import path

from plans.api.billable_metrics.views import BillableMetricDetailView, BillableMetricListCreateView

urlpatterns = [
    path("billable_metrics", BillableMetricListCreateView.as_view(), name="billable-metric-list"),
    path("billable_metrics/<str:code>", BillableMetricDetailView.as_view(), name="billable-metric-detail"),
]

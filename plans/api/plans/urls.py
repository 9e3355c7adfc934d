from django.urls import path

from plans.api.plans.views import PlanDetailView, PlanListCreateView

urlpatterns = [
    path("plans", PlanListCreateView.as_view(), name="plan-list"),
    path("plans/<str:code>", PlanDetailView.as_view(), name="plan-detail"),
]

from django.urls import path

from customers.api.views import CustomerDetailView, CustomerListUpsertView

urlpatterns = [
    path("customers", CustomerListUpsertView.as_view(), name="customers"),
    path("customers/<str:external_id>", CustomerDetailView.as_view(), name="customer"),
]

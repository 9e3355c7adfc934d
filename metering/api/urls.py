from django.urls import path

from metering.api.views import EventBatchView, EventDetailView, EventListCreateView

urlpatterns = [
    path("events", EventListCreateView.as_view(), name="events"),
    path("events/batch", EventBatchView.as_view(), name="events-batch"),
    # Lago's clients do not percent-encode path parts: a transaction_id may hold a slash.
    path("events/<path:transaction_id>", EventDetailView.as_view(), name="event"),
]

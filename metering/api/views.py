from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework.response import Response

from billing.api.schema import PAGINATION_PARAMETERS, enveloped, errors, listed
from billing.api.views import OrganizationAPIView
from billing.errors import ValidationFailed
from metering.api.parsers import EventBatchParser
from metering.api.serializers import (
    EventBatchInputSerializer,
    EventInputSerializer,
    EventListFiltersInputSerializer,
    EventSerializer,
)
from metering.selectors import event_get, event_list
from metering.services import events_ingest

TAGS = ["events"]
EVENT_ENVELOPE = enveloped("event", EventSerializer)


class EventListCreateView(OrganizationAPIView):
    @extend_schema(
        request=enveloped("event", EventInputSerializer, name="EventCreateRequestEnvelope"),
        responses={200: EVENT_ENVELOPE, **errors(400, 413, 422)},
        operation_id="events_create",
        summary="Send one usage event",
        description="Stored even when it cannot be counted yet: `diagnostics` says why.",
        tags=TAGS,
    )
    def post(self, request):
        result = events_ingest(
            organization=self.organization, raw_events=[self.root_payload("event")], keyed_by_index=False
        )
        return Response({"event": EventSerializer(result.events[0]).data})

    @extend_schema(
        parameters=[*PAGINATION_PARAMETERS, EventListFiltersInputSerializer],
        responses={200: listed("events", EventSerializer), **errors(422)},
        operation_id="events_list",
        summary="List events, latest timestamp first",
        tags=TAGS,
    )
    def get(self, request):
        filters = self.validated(EventListFiltersInputSerializer, request.query_params)
        return self.page_response(
            event_list(organization=self.organization, filters=filters), "events", EventSerializer
        )


class EventBatchView(OrganizationAPIView):
    parser_classes = [EventBatchParser]

    @extend_schema(
        request=EventBatchInputSerializer,
        responses={
            200: inline_serializer(name="EventBatchEnvelope", fields={"events": EventSerializer(many=True)}),
            **errors(400, 413, 422),
        },
        operation_id="events_batch_create",
        summary="Send up to EVENTS_BATCH_MAX (100) events, stored all or none",
        description=(
            "Errors are keyed by the event's index and field, e.g. `0.timestamp`; a batch with any error stores "
            "nothing. Over the limit: `events: too_many_events`."
        ),
        tags=TAGS,
    )
    def post(self, request):
        raw_events = request.data.get("events") if isinstance(request.data, dict) else None
        if raw_events is None:
            raise ValidationFailed.single("events", "value_is_mandatory")
        if not isinstance(raw_events, list):
            raise ValidationFailed.single("events", "invalid_type")
        result = events_ingest(organization=self.organization, raw_events=raw_events)
        return Response({"events": EventSerializer(result.events, many=True).data})


class EventDetailView(OrganizationAPIView):
    resource_name = "event"

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "external_subscription_id", str, description="The subscription, when a transaction_id is not unique."
            )
        ],
        responses={200: EVENT_ENVELOPE, **errors(404)},
        operation_id="events_retrieve",
        summary="Get an event by transaction_id",
        tags=TAGS,
    )
    def get(self, request, transaction_id: str):
        detail = event_get(
            organization=self.organization,
            transaction_id=transaction_id,
            external_subscription_id=request.query_params.get("external_subscription_id"),
        )
        return Response({"event": EventSerializer(detail).data})

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from billing.api.schema import PAGINATION_PARAMETERS, enveloped, errors, listed
from billing.api.views import OrganizationAPIView
from billing.webhooks.api.serializers import (
    WebhookEndpointCreateInputSerializer,
    WebhookEndpointSerializer,
    WebhookEndpointUpdateInputSerializer,
)
from billing.webhooks.selectors import webhook_endpoint_get, webhook_endpoint_list
from billing.webhooks.services import webhook_endpoint_create, webhook_endpoint_delete, webhook_endpoint_update

ROOT_KEY = "webhook_endpoint"
TAGS = ["webhook_endpoints"]
ENDPOINT_ENVELOPE = enveloped(ROOT_KEY, WebhookEndpointSerializer)


def render(endpoint) -> Response:
    return Response({ROOT_KEY: WebhookEndpointSerializer(endpoint).data})


class WebhookEndpointListCreateView(OrganizationAPIView):
    @extend_schema(
        operation_id="webhook_endpoints_list",
        summary="List the organization's webhook endpoints, newest first",
        parameters=PAGINATION_PARAMETERS,
        responses={200: listed("webhook_endpoints", WebhookEndpointSerializer), **errors(422)},
        tags=TAGS,
    )
    def get(self, request):
        endpoints = webhook_endpoint_list(organization=self.organization)
        return self.page_response(endpoints, "webhook_endpoints", WebhookEndpointSerializer)

    @extend_schema(
        operation_id="webhook_endpoints_create",
        summary="Add a webhook endpoint",
        description="Deliveries are signed with the organization's HMAC key (X-Lago-Signature).",
        request=enveloped(ROOT_KEY, WebhookEndpointCreateInputSerializer, name="WebhookEndpointCreateRequestEnvelope"),
        responses={200: ENDPOINT_ENVELOPE, **errors(400, 422)},
        tags=TAGS,
    )
    def post(self, request):
        data = self.validated(WebhookEndpointCreateInputSerializer, self.root_payload(ROOT_KEY))
        return render(webhook_endpoint_create(organization=self.organization, **data))


class WebhookEndpointDetailView(OrganizationAPIView):
    resource_name = "webhook_endpoint"

    def endpoint(self, lago_id: str):
        return webhook_endpoint_get(organization=self.organization, lago_id=lago_id)

    @extend_schema(
        operation_id="webhook_endpoints_retrieve",
        summary="Get a webhook endpoint",
        responses={200: ENDPOINT_ENVELOPE, **errors(404)},
        tags=TAGS,
    )
    def get(self, request, lago_id: str):
        return render(self.endpoint(lago_id))

    @extend_schema(
        operation_id="webhook_endpoints_update",
        summary="Change a webhook endpoint (only the keys present)",
        request=enveloped(ROOT_KEY, WebhookEndpointUpdateInputSerializer, name="WebhookEndpointUpdateRequestEnvelope"),
        responses={200: ENDPOINT_ENVELOPE, **errors(400, 404, 422)},
        tags=TAGS,
    )
    def put(self, request, lago_id: str):
        endpoint = self.endpoint(lago_id)
        data = self.validated(WebhookEndpointUpdateInputSerializer, self.root_payload(ROOT_KEY))
        return render(webhook_endpoint_update(endpoint=endpoint, **data))

    @extend_schema(
        operation_id="webhook_endpoints_destroy",
        summary="Delete a webhook endpoint and its delivery log",
        responses={200: ENDPOINT_ENVELOPE, **errors(404)},
        tags=TAGS,
    )
    def delete(self, request, lago_id: str):
        endpoint = self.endpoint(lago_id)
        response = render(endpoint)  # rendered first: a deleted row has lost its primary key
        webhook_endpoint_delete(endpoint=endpoint)
        return response

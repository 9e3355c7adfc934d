from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from billing.api.schema import PAGINATION_PARAMETERS, enveloped, errors, listed
from billing.api.views import OrganizationAPIView
from plans.api.subscriptions.serializers import (
    SubscriptionCreateInputSerializer,
    SubscriptionListQuerySerializer,
    SubscriptionSerializer,
    SubscriptionStatusQuerySerializer,
    SubscriptionUpdateInputSerializer,
)
from plans.models import Subscription
from plans.selectors.subscriptions import subscription_get, subscription_list, subscriptions_with_details
from plans.services.subscriptions import (
    subscription_cancel,
    subscription_create,
    subscription_terminate,
    subscription_update,
)

TAGS = ["subscriptions"]
SUBSCRIPTION_ENVELOPE = enveloped("subscription", SubscriptionSerializer)
STATUSES = Subscription.Status.values

LIST_PARAMETERS = [
    *PAGINATION_PARAMETERS,
    OpenApiParameter("external_customer_id", str, description="Only this customer's subscriptions."),
    OpenApiParameter("plan_code", str, description="Only subscriptions to this plan."),
    OpenApiParameter("status[]", str, many=True, enum=STATUSES, description="Any of these statuses (default: active)."),
]


def _status_parameter(description: str) -> OpenApiParameter:
    return OpenApiParameter("status", str, enum=STATUSES, description=description)


class SubscriptionListCreateView(OrganizationAPIView):
    @extend_schema(
        request=enveloped("subscription", SubscriptionCreateInputSerializer, name="SubscriptionCreateRequestEnvelope"),
        responses={200: SUBSCRIPTION_ENVELOPE, **errors(400, 404, 413, 422)},
        operation_id="subscriptions_create",
        summary="Subscribe a customer to a plan, or change the plan of the subscription with this external_id",
        description=(
            "The customer is created when its external_id is unknown. Posting an existing external_id with another "
            "plan changes plan: an upgrade (yearly amount at least the current one's) takes effect now, a downgrade "
            "waits as a pending subscription until the current billing period ends."
        ),
        tags=TAGS,
    )
    def post(self, request):
        arguments = self.validated(SubscriptionCreateInputSerializer, self.root_payload("subscription"))
        subscription = subscription_create(organization=self.organization, **_without_nulls(arguments))
        return _subscription_response(subscription)

    @extend_schema(
        parameters=LIST_PARAMETERS,
        responses={200: listed("subscriptions", SubscriptionSerializer), **errors(422)},
        operation_id="subscriptions_list",
        summary="List subscriptions, newest first",
        tags=TAGS,
    )
    def get(self, request):
        params = request.query_params
        query = self.validated(
            SubscriptionListQuerySerializer,
            {
                "external_customer_id": params.get("external_customer_id", ""),
                "plan_code": params.get("plan_code", ""),
                "status": params.getlist("status[]") + params.getlist("status"),
            },
        )
        subscriptions = subscription_list(
            organization=self.organization,
            external_customer_id=query["external_customer_id"] or None,
            plan_code=query["plan_code"] or None,
            statuses=query["status"],
        )
        return self.page_response(subscriptions, "subscriptions", SubscriptionSerializer)


class SubscriptionDetailView(OrganizationAPIView):
    resource_name = "subscription"

    def _subscription(self, external_id: str) -> Subscription:
        query = self.validated(SubscriptionStatusQuerySerializer, self.request.query_params)
        return subscription_get(organization=self.organization, external_id=external_id, status=query.get("status"))

    @extend_schema(
        parameters=[_status_parameter("Default: the active subscription, else the pending one.")],
        responses={200: SUBSCRIPTION_ENVELOPE, **errors(404, 422)},
        operation_id="subscriptions_retrieve",
        summary="Get a subscription by external_id",
        tags=TAGS,
    )
    def get(self, request, external_id: str):
        return _subscription_response(self._subscription(external_id))

    @extend_schema(
        parameters=[_status_parameter("Default: the active subscription, else the pending one.")],
        request=enveloped("subscription", SubscriptionUpdateInputSerializer, name="SubscriptionUpdateRequestEnvelope"),
        responses={200: SUBSCRIPTION_ENVELOPE, **errors(400, 404, 405, 413, 422)},
        operation_id="subscriptions_update",
        summary="Rename a subscription, set its end date, or move the start of one that has not started",
        tags=TAGS,
    )
    def put(self, request, external_id: str):
        arguments = self.validated(SubscriptionUpdateInputSerializer, self.root_payload("subscription"))
        subscription = subscription_update(subscription=self._subscription(external_id), **arguments)
        return _subscription_response(subscription)

    @extend_schema(
        parameters=[_status_parameter("active (default) terminates it; pending cancels a subscription not started.")],
        responses={200: SUBSCRIPTION_ENVELOPE, **errors(404, 405, 422)},
        operation_id="subscriptions_destroy",
        summary="Terminate a subscription, or cancel a pending one",
        tags=TAGS,
    )
    def delete(self, request, external_id: str):
        query = self.validated(SubscriptionStatusQuerySerializer, request.query_params)
        status = query.get("status", Subscription.Status.ACTIVE)
        subscription = subscription_get(organization=self.organization, external_id=external_id, status=status)
        if status == Subscription.Status.PENDING:
            return _subscription_response(subscription_cancel(subscription=subscription))
        return _subscription_response(subscription_terminate(subscription=subscription))


def _without_nulls(arguments: dict) -> dict:
    return {name: value for name, value in arguments.items() if value is not None}


def _subscription_response(subscription: Subscription) -> Response:
    # Re-read with its relations: a plan change may have added or canceled the rows the response describes.
    fresh = subscriptions_with_details().get(pk=subscription.pk)
    return Response({"subscription": SubscriptionSerializer(fresh).data})
